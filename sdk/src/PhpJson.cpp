#include "eventbus/PhpJson.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace eventbus {
namespace json {

namespace {

const char kHex[] = "0123456789abcdef";

/// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when it is malformed.
size_t utf8SequenceLength(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;      // overlong
        else if (c == 0xED) hi = 0x9F; // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;      // overlong
        else if (c == 0xF4) hi = 0x8F; // above U+10FFFF
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (size_t k = 2; k < len; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    return len;
}

/// Index of the first non-ASCII byte at or after i (s.size() when there is none). Event text is
/// mostly ASCII, so whole words are tested at once.
size_t skipAscii(std::string_view s, size_t i) {
    constexpr uint64_t kHighBits = 0x8080808080808080ULL;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t word;
        std::memcpy(&word, s.data() + i, 8);
        if (word & kHighBits) break;
    }
    while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
    return i;
}

/// True when none of the 8 bytes in word needs attention in a JSON string: no quote, backslash,
/// control character or non-ASCII byte (bit tricks that test all bytes at once). A byte's high
/// bit ends up set when it is non-ASCII (word), below a space (word - spaces), or a quote or
/// backslash (its XOR with one is 0, minus one is 0xFF). A borrow can only mark the byte above
/// one already marked, so the answer for the word is exact.
bool isPlainAsciiWord(uint64_t word) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHighBits = 0x8080808080808080ULL;
    const uint64_t marked = word | (word - kOnes * ' ') | ((word ^ (kOnes * '"')) - kOnes) |
                            ((word ^ (kOnes * '\\')) - kOnes);
    return (marked & kHighBits) == 0;
}

/// U+2028 and U+2029 are valid JSON but break JavaScript, so PHP escapes them.
bool isLineOrParagraphSeparator(std::string_view s, size_t i) {
    return static_cast<unsigned char>(s[i]) == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
           (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9);
}

/// End of the run from i of bytes that appendString copies as they are: printable ASCII other than
/// quote and backslash, and well-formed multi-byte sequences other than U+2028/U+2029.
size_t plainRunEnd(std::string_view s, size_t i) {
    while (i < s.size()) {
        if (i + 8 <= s.size()) {
            uint64_t word;
            std::memcpy(&word, s.data() + i, 8);
            if (isPlainAsciiWord(word)) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const size_t len = utf8SequenceLength(s, i);
            if (len == 0 || (len == 3 && isLineOrParagraphSeparator(s, i))) return i;
            i += len;
        } else if (c < 0x20 || c == '"' || c == '\\') {
            return i;
        } else {
            ++i;
        }
    }
    return i;
}

void appendNumberString(std::string& out, const rapidjson::Value& v) {
    char buf[32];
    std::to_chars_result r{};
    if (v.IsInt64())
        r = std::to_chars(buf, buf + sizeof buf, v.GetInt64());
    else if (v.IsUint64())
        r = std::to_chars(buf, buf + sizeof buf, v.GetUint64());
    else {
        appendDouble(out, v.GetDouble());
        return;
    }
    out.append(buf, r.ptr);
}

/// PHP's json_decode(..., true) turns an object whose keys are exactly "0".."n-1" (or {}) into a list.
bool decodesAsPhpList(const rapidjson::Value& object) {
    size_t expected = 0;
    for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m, ++expected) {
        std::string_view key(m->name.GetString(), m->name.GetStringLength());
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, expected);
        if (key != std::string_view(buf, static_cast<size_t>(r.ptr - buf))) return false;
    }
    return true;
}

void encodeValue(std::string& out, const rapidjson::Value& v, bool phpDecoded) {
    switch (v.GetType()) {
    case rapidjson::kNullType:
        out += "null";
        break;
    case rapidjson::kFalseType:
        out += "false";
        break;
    case rapidjson::kTrueType:
        out += "true";
        break;
    case rapidjson::kNumberType:
        appendNumberString(out, v);
        break;
    case rapidjson::kStringType:
        appendString(out, std::string_view(v.GetString(), v.GetStringLength()));
        break;
    case rapidjson::kArrayType: {
        out += '[';
        bool first = true;
        for (const auto& e : v.GetArray()) {
            if (!first) out += ',';
            first = false;
            encodeValue(out, e, phpDecoded);
        }
        out += ']';
        break;
    }
    case rapidjson::kObjectType: {
        const bool asList = phpDecoded && decodesAsPhpList(v);
        out += asList ? '[' : '{';
        bool first = true;
        for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
            if (!first) out += ',';
            first = false;
            if (!asList) {
                appendString(out, std::string_view(m->name.GetString(), m->name.GetStringLength()));
                out += ':';
            }
            encodeValue(out, m->value, phpDecoded);
        }
        out += asList ? ']' : '}';
        break;
    }
    }
}

} // namespace

std::string encode(const rapidjson::Value& v) {
    std::string out;
    encodeTo(out, v);
    return out;
}

void encodeTo(std::string& out, const rapidjson::Value& v) {
    // No partial output on failure, as json_encode returns false for the whole value.
    const size_t mark = out.size();
    try {
        encodeValue(out, v, false);
    } catch (...) {
        out.resize(mark);
        throw;
    }
}

std::string encodeAsPhpRoundTrip(const rapidjson::Value& v) {
    std::string out;
    encodeValue(out, v, true);
    return out;
}

void appendString(std::string& out, std::string_view s) {
    const size_t mark = out.size();
    out.reserve(mark + s.size() + 2);
    out += '"';
    size_t i = 0;
    while (true) {
        const size_t run = i;
        i = plainRunEnd(s, i);
        out.append(s.data() + run, i - run);
        if (i == s.size()) break;
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            if (utf8SequenceLength(s, i) == 0) {
                out.resize(mark);
                throw EncodeError("invalid UTF-8 in string at byte " + std::to_string(i));
            }
            out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
            i += 3;
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
        ++i;
    }
    out += '"';
}

bool encodesVerbatim(std::string_view s) {
    // Printable ASCII is the common case: tested in words, in which each byte counts on its own.
    constexpr uint64_t kSpaces = 0x2020202020202020ULL;
    uint64_t word;
    if (s.size() < 8) {
        word = kSpaces;
        for (char c : s) word = word << 8 | static_cast<unsigned char>(c);
        return isPlainAsciiWord(word) || plainRunEnd(s, 0) == s.size();
    }
    size_t i = 0;
    for (; i + 8 < s.size(); i += 8) {
        std::memcpy(&word, s.data() + i, 8);
        if (!isPlainAsciiWord(word)) return plainRunEnd(s, i) == s.size();
    }
    // The last word ends with s, overlapping the one before.
    std::memcpy(&word, s.data() + s.size() - 8, 8);
    return isPlainAsciiWord(word) || plainRunEnd(s, i) == s.size();
}

void appendDouble(std::string& out, double d) {
    if (!std::isfinite(d)) throw EncodeError("Inf and NaN cannot be JSON encoded");
    // Shortest round-trip digits in scientific form give the digit string and the exponent;
    // the layout is then PHP's (smart_str_append_double with zero_frac = false).
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
    std::string_view sign;
    if (!sci.empty() && sci.front() == '-') {
        sign = "-";
        sci.remove_prefix(1);
    }
    const size_t ePos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, ePos))
        if (c != '.') digits += c;
    const int exponent = std::atoi(std::string(sci.substr(ePos + 1)).c_str());
    // PHP's decpt: the value is 0.<digits> * 10^decpt.
    const int decpt = exponent + 1;

    out += sign;
    if (decpt < -3 || decpt > 17) {
        out += digits[0];
        out += '.';
        out += digits.size() > 1 ? digits.substr(1) : std::string("0");
        out += 'e';
        out += exponent < 0 ? '-' : '+';
        out += std::to_string(std::abs(exponent));
    } else if (decpt <= 0) {
        out += "0.";
        out.append(static_cast<size_t>(-decpt), '0');
        out += digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
        out += digits;
        out.append(static_cast<size_t>(decpt) - digits.size(), '0');
    } else {
        out += digits.substr(0, static_cast<size_t>(decpt));
        out += '.';
        out += digits.substr(static_cast<size_t>(decpt));
    }
}

bool isValidUtf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        i = skipAscii(s, i);
        if (i == s.size()) break;
        const size_t len = utf8SequenceLength(s, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string replaceBinaryValue(std::string_view s) {
    if (isValidUtf8(s)) return std::string(s);
    return "data:application/octet-stream;base64," + base64(s);
}

void replaceBinaryValuesRecursive(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc) {
    if (v.IsString()) {
        std::string_view s(v.GetString(), v.GetStringLength());
        if (!isValidUtf8(s)) {
            const std::string replaced = replaceBinaryValue(s);
            v.SetString(replaced.data(), static_cast<rapidjson::SizeType>(replaced.size()), alloc);
        }
    } else if (v.IsArray()) {
        for (auto& e : v.GetArray()) replaceBinaryValuesRecursive(e, alloc);
    } else if (v.IsObject()) {
        for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) replaceBinaryValuesRecursive(m->value, alloc);
    }
}

void removeNulls(rapidjson::Value& v) {
    if (v.IsObject()) {
        for (auto m = v.MemberBegin(); m != v.MemberEnd();) {
            if (m->value.IsNull()) {
                m = v.EraseMember(m); // keeps the order of the remaining members
            } else {
                removeNulls(m->value);
                ++m;
            }
        }
    } else if (v.IsArray()) {
        for (auto& e : v.GetArray()) removeNulls(e);
    }
}

std::string base64(std::string_view bytes) {
    static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    const auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t n = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += kAlphabet[n >> 6 & 63];
        out += kAlphabet[n & 63];
    }
    const size_t rest = bytes.size() - i;
    if (rest == 1) {
        const uint32_t n = at(i) << 16;
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += "==";
    } else if (rest == 2) {
        const uint32_t n = at(i) << 16 | at(i + 1) << 8;
        out += kAlphabet[n >> 18 & 63];
        out += kAlphabet[n >> 12 & 63];
        out += kAlphabet[n >> 6 & 63];
        out += '=';
    }
    return out;
}

bool nestsDeeperThan(std::string_view text, int limit)
{
    int depth = 0;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit)
                return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

} // namespace json
} // namespace eventbus
