#include "RcFeedDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"
#include "eventbus/Url.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

// Under AddressSanitizer (the fuzz and ASan builds) each decode gets buffers of its own, so a read
// past the text is caught: the spare capacity of a reused buffer would hide it.
#if defined(__SANITIZE_ADDRESS__)
#define EVENTBUS_RCFEED_FRESH_BUFFERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVENTBUS_RCFEED_FRESH_BUFFERS 1
#endif
#endif
#ifndef EVENTBUS_RCFEED_FRESH_BUFFERS
#define EVENTBUS_RCFEED_FRESH_BUFFERS 0
#endif

namespace eventbus {
namespace rcfeed {

namespace {

using namespace std::string_view_literals; // appends of literals without a strlen

constexpr std::string_view kSchema = "/mediawiki/recentchange/1.0.0";
/// Deeper than any change MediaWiki sends (log_params nest a few levels at most).
constexpr int kMaxDepth = 64;
/// 9999-12-31T23:59:59Z: later times do not fit the four-digit years of meta.dt.
constexpr int64_t kLastTimestamp = 253402300799;
/// Room for "$schema" and meta, which go in front of the change's members once these are written.
constexpr size_t kEnvelopeBytes = 320;

RcFeedDecoder::Result rejected(const char* reason, std::string message) {
    RcFeedDecoder::Result r;
    r.reason = reason;
    r.message = std::move(message);
    return r;
}

/// The JSON part of a datagram: without the udp2log "PREFIX " and the line end UDPTransport adds.
/// It is empty or starts with '{', so a text that parses is an object.
std::string_view jsonPart(std::string_view datagram) {
    while (!datagram.empty() && (datagram.back() == '\n' || datagram.back() == '\r'))
        datagram.remove_suffix(1);
    if (!datagram.empty() && datagram.front() != '{') {
        const size_t start = datagram.find(" {");
        datagram = start == std::string_view::npos ? std::string_view() : datagram.substr(start + 1);
    }
    return datagram;
}

/// The rc_type names of MediaWiki 1.23-1.24, which sent type as the RC_* integer.
const char* typeName(int64_t type) {
    switch (type) {
    case 0: return "edit";
    case 1: return "new";
    case 3: return "log";
    case 5: return "external";
    case 6: return "categorize";
    default: return nullptr;
    }
}

/// Where the parser decodes strings in place: a copy of the JSON text, whose strings can be found
/// at the same offsets in the original.
struct InSituText {
    const char* decoded;
    const char* original;

    /// Appends json::appendString's encoding of s, a string decoded in place: a copy of its literal
    /// when the literal is the same bytes (without a backslash before its closing quote it has
    /// no escapes) and appendString would write them unchanged.
    void appendString(std::string& out, std::string_view s) const {
        const char* literal = original + (s.data() - decoded);
        if (literal[s.size()] == '"' && json::encodesVerbatim(std::string_view(literal, s.size())))
            out.append(literal - 1, s.size() + 2);
        else
            json::appendString(out, s);
    }
};

/// A top-level member the envelope or the checks read. Like a lookup in the change after
/// json::removeNulls, it holds the first occurrence of the name whose value is not null.
struct Field {
    enum Kind { Absent, String, Integer, Other };
    Kind kind = Absent;
    std::string_view text; ///< when String
    int64_t number = 0;    ///< when Integer: a JSON integer that fits int64_t

    bool isString() const { return kind == String; }
};

enum FieldName { Type, Title, Timestamp, TitleUrl, ServerUrl, ServerName, kFieldCount };
using Fields = std::array<Field, kFieldCount>;

/// What a top-level key means to the event: one of the fields, an envelope key, or neither.
constexpr int kEnvelopeKey = kFieldCount;
constexpr int kOtherKey = kFieldCount + 1;

int topLevelMember(std::string_view key) {
    switch (key.size()) {
    case 4:
        if (key == "type") return Type;
        if (key == "meta") return kEnvelopeKey;
        break;
    case 5:
        if (key == "title") return Title;
        break;
    case 7:
        if (key == "$schema") return kEnvelopeKey;
        break;
    case 9:
        if (key == "timestamp") return Timestamp;
        if (key == "title_url") return TitleUrl;
        break;
    case 10:
        if (key == "server_url") return ServerUrl;
        break;
    case 11:
        if (key == "server_name") return ServerName;
        break;
    }
    return kOtherKey;
}

/// SAX handler that writes the members of the change as json::encode writes them after
/// json::removeNulls: null-valued members dropped at every depth (nulls in arrays stay), every
/// duplicate key kept in place, "$schema" and "meta" left out for the envelope to replace, and a
/// numeric "type" written as its name. Each top-level member is written with a leading comma: the
/// envelope precedes them. Keeps the fields the envelope needs, and stops the parse at a nesting
/// deeper than kMaxDepth, which also bounds the recursion of the parser.
///
/// Strings must stay valid until the end of the decode: the parse is in situ.
class ChangeWriter : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ChangeWriter> {
public:
    ChangeWriter(std::string& out, const InSituText& text) : _out(out), _text(text) {}

    const Fields& fields() const { return _fields; }
    bool tooDeep() const { return _tooDeep; }
    /// json::encode's message for the first value it could not encode, empty when there is none.
    const std::string& encodeError() const { return _encodeError; }

    bool Null() {
        // A member whose value is null is dropped, key and all; a null in an array stays.
        if (_skipDepth > 0 || _isObject[_depth]) return true;
        if (beginValue()) _out += "null"sv;
        return true;
    }

    bool Bool(bool b) {
        if (Field* f = firstOccurrence()) f->kind = Field::Other;
        if (beginValue()) _out += b ? "true"sv : "false"sv;
        return true;
    }

    bool Int(int i) { return integer(i); }
    bool Uint(unsigned u) { return integer(u); }
    bool Int64(int64_t i) { return integer(i); }

    bool Uint64(uint64_t u) {
        if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return integer(static_cast<int64_t>(u));
        if (Field* f = firstOccurrence()) f->kind = Field::Other;
        if (beginValue()) appendDigits(u);
        return true;
    }

    bool Double(double d) {
        if (Field* f = firstOccurrence()) f->kind = Field::Other;
        if (beginValue() && _encodeError.empty()) {
            try {
                json::appendDouble(_out, d);
            } catch (const json::EncodeError& e) {
                _encodeError = e.what();
            }
        }
        return true;
    }

    bool String(const char* s, rapidjson::SizeType length, bool) {
        const std::string_view text(s, length);
        if (Field* f = firstOccurrence()) {
            f->kind = Field::String;
            f->text = text;
        }
        if (beginValue()) appendDecoded(text);
        return true;
    }

    bool Key(const char* s, rapidjson::SizeType length, bool) {
        if (_skipDepth > 0) return true;
        _key = std::string_view(s, length);
        if (_depth == 1) _member = topLevelMember(_key);
        return true;
    }

    bool StartObject() { return start(true); }
    bool EndObject(rapidjson::SizeType) { return end('}'); }
    bool StartArray() { return start(false); }
    bool EndArray(rapidjson::SizeType) { return end(']'); }

private:
    /// The field the current value fills: a top-level member with a field's name, not seen before
    /// with a non-null value. Call it for non-null values only.
    Field* firstOccurrence() {
        if (_depth != 1 || _member >= kFieldCount || _fields[_member].kind != Field::Absent) return nullptr;
        return &_fields[_member];
    }

    /// Writes what precedes a non-null value: the comma and, in an object, the key. False when the
    /// value is not written (it is in or is an envelope member).
    bool beginValue() {
        if (_skipDepth > 0 || (_depth == 1 && _member == kEnvelopeKey)) return false;
        if (_hasValues[_depth]) _out += ',';
        _hasValues[_depth] = true;
        if (_isObject[_depth]) {
            appendDecoded(_key);
            _out += ':';
        }
        return true;
    }

    bool integer(int64_t i) {
        const char* name = nullptr;
        if (Field* f = firstOccurrence()) {
            f->kind = Field::Integer;
            f->number = i;
            if (_member == Type) name = typeName(i);
        }
        if (!beginValue()) return true;
        if (name)
            json::appendString(_out, name);
        else
            appendDigits(i);
        return true;
    }

    bool start(bool isObject) {
        if (_depth == kMaxDepth) {
            _tooDeep = true;
            return false;
        }
        if (_depth == 0) {
            // The change itself: its members go into the event after the envelope, so its braces
            // are not written and each member needs a comma.
            _depth = 1;
            _isObject[1] = true;
            _hasValues[1] = true;
            return true;
        }
        if (Field* f = firstOccurrence()) f->kind = Field::Other;
        const bool written = beginValue();
        ++_depth;
        if (!written) {
            if (_skipDepth == 0) _skipDepth = _depth;
            return true;
        }
        _isObject[_depth] = isObject;
        _hasValues[_depth] = false;
        _out += isObject ? '{' : '[';
        return true;
    }

    bool end(char bracket) {
        if (_skipDepth == _depth) _skipDepth = 0;
        else if (_skipDepth == 0 && _depth > 1) _out += bracket;
        --_depth;
        return true;
    }

    void appendDecoded(std::string_view s) {
        if (!_encodeError.empty()) return;
        try {
            _text.appendString(_out, s);
        } catch (const json::EncodeError& e) {
            _encodeError = e.what();
        }
    }

    template <typename Integer> void appendDigits(Integer i) {
        char digits[24];
        const auto r = std::to_chars(digits, digits + sizeof digits, i);
        _out.append(digits, r.ptr);
    }

    std::string& _out;
    const InSituText& _text;
    int _depth = 0;
    /// Depth of the envelope member being skipped, 0 when none is.
    int _skipDepth = 0;
    bool _tooDeep = false;
    bool _isObject[kMaxDepth + 1] = {};
    bool _hasValues[kMaxDepth + 1] = {};
    std::string_view _key;
    int _member = kOtherKey; ///< what the last top-level key is
    Fields _fields;
    std::string _encodeError;
};

/// What the decoder holds for every event: the stream, and where a change without title_url links to.
struct EventSettings {
    const std::string& articlePath;
    const std::string& encodedStream; ///< meta.stream as JSON
    const std::string& streamError;   ///< why the stream cannot be encoded, else empty
};

/// Checks a parsed change and writes its event: the envelope, then the members. members holds
/// them as the event does, each after a comma.
/// appendText(out, s) appends the JSON literal of s, one of the fields' strings. encodeError is
/// why a member cannot be encoded, empty when all can.
template <typename AppendText>
RcFeedDecoder::Result buildEvent(const Fields& fields, std::string_view members,
                                 const std::string& encodeError, const EventSettings& settings,
                                 const AppendText& appendText) {
    const Field& type = fields[Type];
    if (type.kind == Field::Integer && !typeName(type.number))
        return rejected("not_recentchange", "unknown numeric \"type\" " + std::to_string(type.number));
    // A known numeric type has been written as its name.
    if (type.kind != Field::Integer && (!type.isString() || type.text.empty()))
        return rejected("not_recentchange", "missing or invalid \"type\"");
    const Field& title = fields[Title];
    if (!title.isString()) return rejected("not_recentchange", "missing or non-string \"title\"");
    const Field& timestamp = fields[Timestamp];
    if (timestamp.kind != Field::Integer || timestamp.number < 0 || timestamp.number > kLastTimestamp)
        return rejected("not_recentchange", "missing or out-of-range integer \"timestamp\"");
    const Field& titleUrl = fields[TitleUrl];
    const Field& serverUrl = fields[ServerUrl];
    if (!titleUrl.isString() && !serverUrl.isString())
        return rejected("not_recentchange", "neither \"title_url\" nor \"server_url\" is a string");
    const Field& serverName = fields[ServerName];

    // meta as EventFactory orders it (uri, request_id, id, domain, stream), plus the dt EventGate
    // needs. The feed carries no request id, so request_id is left out rather than invented.
    // The envelope's strings are encoded before the members, so an invalid one is reported first,
    // as json::encode of the whole event would.
    RcFeedDecoder::Result result;
    std::string& event = result.json;
    event.reserve(kEnvelopeBytes + settings.encodedStream.size() + titleUrl.text.size() + serverName.text.size() +
                  members.size() + 1);
    event += "{\"$schema\":\""sv;
    event += kSchema;
    event += "\",\"meta\":{\"uri\":"sv;
    try {
        if (titleUrl.isString()) {
            appendText(event, titleUrl.text);
        } else {
            std::string dbKey(title.text);
            std::replace(dbKey.begin(), dbKey.end(), ' ', '_');
            json::appendString(event, articleUrl(serverUrl.text, settings.articlePath, dbKey));
        }
        event += ",\"id\":\""sv;
        result.idOffset = event.size();
        appendUuidV4(event);
        event += '"';
        if (serverName.isString() && !serverName.text.empty()) {
            event += ",\"domain\":"sv;
            appendText(event, serverName.text);
        }
    } catch (const json::EncodeError& e) {
        return rejected("invalid_utf8", e.what());
    }
    if (!settings.streamError.empty()) return rejected("invalid_utf8", settings.streamError);
    event += ",\"stream\":"sv;
    event += settings.encodedStream;
    if (!encodeError.empty()) return rejected("invalid_utf8", encodeError);
    event += ",\"dt\":\""sv;
    appendDt(event, timestamp.number);
    event += "\"}"sv;
    event += members;
    event += '}';
    return result;
}

// ---- The validated path. simdjson's DOM parser checks the text (UTF-8 included) and reads the
// fields in about a third of the time RapidJSON's reader takes to feed ChangeWriter; the members
// are then written from the checked text by TextChangeWriter, which copies every literal that
// ChangeWriter would write unchanged (in MediaWiki's datagrams, all but the few strings with
// \u escapes). It takes what it can write exactly as ChangeWriter does: not fractions or
// exponents (RapidJSON's default reading of a double may differ from simdjson's in the last
// digit), not integers of 19 digits or more (RapidJSON reads some as doubles), not -0, not a
// numeric type (MediaWiki 1.23-1.24), not "$schema" or meta, not nesting deeper than
// kValidatedMaxDepth. Those, and whatever it would reject, take the general path, which decides
// and words the rejection: the validated path only ever returns an event, the general path's
// (meta.id aside). Tests and the fuzzer compare the two.

/// Datagrams above this take the general path: a simdjson parser keeps buffers of about 13 times
/// the largest text it parsed, and each receiving thread has one.
constexpr size_t kValidatedMaxBody = 16 << 10;
/// Containers nested deeper than this (the change itself is at 1) take the general path, which
/// applies kMaxDepth.
constexpr int kValidatedMaxDepth = 32;
/// Longer integers take the general path.
constexpr size_t kValidatedMaxDigits = 18;

/// The change's fields as ChangeWriter finds them (the first non-null occurrence of each name at
/// the top level); false when the change holds "$schema" or meta, or a numeric type.
bool validatedFields(simdjson::dom::element root, Fields& fields) {
    simdjson::dom::object change;
    if (root.get_object().get(change) != simdjson::SUCCESS) return false;
    for (const simdjson::dom::key_value_pair member : change) {
        const int name = topLevelMember(member.key);
        if (name == kEnvelopeKey) return false;
        if (name >= kFieldCount || member.value.is_null() || fields[name].kind != Field::Absent) continue;
        Field& field = fields[name];
        if (member.value.get_string().get(field.text) == simdjson::SUCCESS)
            field.kind = Field::String;
        else if (name == Type && member.value.is_number()) // written as its name: the general path's work
            return false;
        else if (member.value.get_int64().get(field.number) == simdjson::SUCCESS)
            field.kind = Field::Integer;
        else
            field.kind = Field::Other;
    }
    return true;
}

/// Writes the members of a change whose text simdjson has checked, as ChangeWriter writes them:
/// null members dropped at every depth (nulls in arrays stay), whitespace dropped, duplicate keys
/// kept in place, each top-level member after a comma. What ChangeWriter writes unchanged is
/// copied from the text, in runs as long as the text and the members agree (all of a compact
/// change without escapes is one run); a string with escapes or U+2028/U+2029 is decoded and
/// encoded again. The text must be valid JSON followed by 16 readable bytes (simdjson's padding):
/// no bound is checked.
class TextChangeWriter {
public:
    TextChangeWriter(const char* text, std::string& out, std::string& scratch)
        : _text(text), _out(out), _scratch(scratch) {}

    /// False when the change has to take the general path.
    bool writeChange() {
        size_t i = skipSpace(skipSpace(0) + 1); // past '{': the text is an object
        if (!members(i, 2, true)) return false;
        flush();
        return true;
    }

private:
    static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

    size_t skipSpace(size_t i) const {
        while (isSpace(_text[i])) ++i;
        return i;
    }

    /// Adds the text from `from` to `to` to the output: it extends the pending run when it
    /// follows it.
    void copy(size_t from, size_t to) {
        if (from != _runEnd) {
            flush();
            _runStart = from;
        }
        _runEnd = to;
    }

    void flush() {
        _out.append(_text + _runStart, _runEnd - _runStart);
        _runStart = _runEnd;
    }

    /// The member whose key starts at i, after the comma at `comma` (0 when there is none); i
    /// ends past its value. A null member is dropped. A written member is preceded by a comma
    /// when one was written before it in its object, or always at the top level (a first member
    /// has none in the text: one is written).
    bool member(size_t& i, int depth, size_t comma, bool topLevel) {
        const size_t key = i;
        size_t keyEnd;
        bool keyAsIs;
        if (!scanString(i, keyEnd, keyAsIs)) return false;
        const size_t colon = skipSpace(i);
        i = skipSpace(colon + 1);
        if (_text[i] == 'n') { // null: dropped, key and all
            i += 4;
            return true;
        }
        if (topLevel || _written) {
            if (comma != 0) {
                copy(comma, comma + 1);
            } else {
                flush();
                _out += ',';
            }
        }
        if (!writeString(key, keyEnd, keyAsIs)) return false;
        copy(colon, colon + 1);
        return value(i, depth);
    }

    /// The members of an object, the first (or its '}') at i, their values at depth; i ends at
    /// the object's '}'. At the top level (the change) every written member gets a comma.
    bool members(size_t& i, int depth, bool topLevel) {
        const bool outer = _written;
        _written = false;
        size_t comma = 0; // where the comma before the member at i is, 0 for none
        while (_text[i] != '}') {
            const size_t before = _out.size() + (_runEnd - _runStart);
            if (!member(i, depth, comma, topLevel)) return false;
            _written = _written || _out.size() + (_runEnd - _runStart) != before;
            i = skipSpace(i);
            if (_text[i] == ',') {
                comma = i;
                i = skipSpace(i + 1);
            }
        }
        _written = outer;
        return true;
    }

    /// The value at i, nested at depth; i ends past it.
    bool value(size_t& i, int depth) {
        switch (_text[i]) {
        case '"': {
            const size_t start = i;
            size_t end;
            bool asIs;
            return scanString(i, end, asIs) && writeString(start, end, asIs);
        }
        case '{': {
            if (depth > kValidatedMaxDepth) return false;
            copy(i, i + 1);
            i = skipSpace(i + 1);
            if (!members(i, depth + 1, false)) return false;
            copy(i, i + 1);
            ++i;
            return true;
        }
        case '[': {
            if (depth > kValidatedMaxDepth) return false;
            copy(i, i + 1);
            i = skipSpace(i + 1);
            while (_text[i] != ']') {
                if (!value(i, depth + 1)) return false;
                i = skipSpace(i);
                if (_text[i] == ',') {
                    copy(i, i + 1);
                    i = skipSpace(i + 1);
                }
            }
            copy(i, i + 1);
            ++i;
            return true;
        }
        case 't':
            copy(i, i + 4);
            i += 4;
            return true;
        case 'f':
            copy(i, i + 5);
            i += 5;
            return true;
        case 'n':
            copy(i, i + 4);
            i += 4;
            return true;
        default:
            return number(i);
        }
    }

    /// An integer is written as its text, but for -0 (written as 0); other numbers and long
    /// integers take the general path.
    bool number(size_t& i) {
        const size_t start = i;
        if (_text[i] == '-') ++i;
        while (_text[i] >= '0' && _text[i] <= '9') ++i;
        const char next = _text[i];
        if (next == '.' || next == 'e' || next == 'E') return false;
        const size_t digits = i - start - (_text[start] == '-' ? 1 : 0);
        if (digits > kValidatedMaxDigits || (digits == 1 && _text[start] == '-' && _text[start + 1] == '0'))
            return false;
        copy(start, i);
        return true;
    }

    /// The string literal whose opening quote is at i: end is its closing quote, and i ends past
    /// it. asIs is set when appendString writes its decoded text as the literal's bytes (no escape,
    /// no U+2028/U+2029; the other bytes are valid UTF-8 without control characters, as checked).
    bool scanString(size_t& i, size_t& end, bool& asIs) {
        asIs = true;
        size_t j = i + 1;
        for (;;) {
            const size_t at = nextNotable(j);
            const char c = _text[at];
            if (c == '"') {
                end = at;
                i = at + 1;
                return true;
            }
            if (c == '\\') {
                asIs = false;
                j = at + (_text[at + 1] == 'u' ? 6 : 2);
            } else { // 0xE2: U+2028 and U+2029 are written escaped
                if (_text[at + 1] == '\x80' && (_text[at + 2] == '\xA8' || _text[at + 2] == '\xA9')) asIs = false;
                j = at + 1;
            }
        }
    }

    /// The first quote, backslash or 0xE2 byte at or after j (a string literal ends before the text does).
    size_t nextNotable(size_t j) const {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i separatorLead = _mm_set1_epi8(static_cast<char>(0xE2));
        for (;; j += 16) {
            const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(_text + j));
            const int bits = _mm_movemask_epi8(_mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
                _mm_cmpeq_epi8(chunk, separatorLead)));
            if (bits != 0) return j + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(bits)));
        }
#else
        while (_text[j] != '"' && _text[j] != '\\' && _text[j] != '\xE2') ++j;
        return j;
#endif
    }

    /// Appends the string literal from start (its opening quote) to end (its closing quote).
    bool writeString(size_t start, size_t end, bool asIs) {
        if (asIs) {
            copy(start, end + 1);
            return true;
        }
        if (!unescape(start + 1, end)) return false;
        flush();
        try {
            json::appendString(_out, _scratch);
            return true;
        } catch (const json::EncodeError&) {
            return false;
        }
    }

    /// Decodes the literal's text from start to end into _scratch; false for a UTF-16 surrogate
    /// that is not half of a pair, which the general path decides.
    bool unescape(size_t start, size_t end) {
        _scratch.clear();
        for (size_t i = start; i < end;) {
            const char c = _text[i];
            if (c != '\\') {
                _scratch += c;
                ++i;
                continue;
            }
            const char escaped = _text[i + 1];
            i += 2;
            switch (escaped) {
            case 'b': _scratch += '\b'; break;
            case 'f': _scratch += '\f'; break;
            case 'n': _scratch += '\n'; break;
            case 'r': _scratch += '\r'; break;
            case 't': _scratch += '\t'; break;
            case 'u': {
                uint32_t code = hex4(i);
                i += 4;
                if (code >= 0xDC00 && code <= 0xDFFF) return false;
                if (code >= 0xD800 && code <= 0xDBFF) {
                    if (i + 6 > end || _text[i] != '\\' || _text[i + 1] != 'u') return false;
                    const uint32_t low = hex4(i + 2);
                    if (low < 0xDC00 || low > 0xDFFF) return false;
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                }
                appendUtf8(code);
                break;
            }
            default: // '"', '\\' and '/' stand for themselves
                _scratch += escaped;
            }
        }
        return true;
    }

    uint32_t hex4(size_t i) const {
        uint32_t code = 0;
        for (size_t k = i; k < i + 4; ++k) {
            const char h = _text[k];
            code = code << 4 | static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        return code;
    }

    void appendUtf8(uint32_t code) {
        if (code < 0x80) {
            _scratch += static_cast<char>(code);
        } else if (code < 0x800) {
            _scratch += static_cast<char>(0xC0 | code >> 6);
            _scratch += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            _scratch += static_cast<char>(0xE0 | code >> 12);
            _scratch += static_cast<char>(0x80 | (code >> 6 & 0x3F));
            _scratch += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            _scratch += static_cast<char>(0xF0 | code >> 18);
            _scratch += static_cast<char>(0x80 | (code >> 12 & 0x3F));
            _scratch += static_cast<char>(0x80 | (code >> 6 & 0x3F));
            _scratch += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    const char* _text;
    std::string& _out;
    std::string& _scratch;
    /// The pending run: text copied to the output once something else has to follow it.
    size_t _runStart = 0;
    size_t _runEnd = 0;
    /// A member of the object being written has been written (commas go between them).
    bool _written = false;
};

} // namespace

RcFeedDecoder::RcFeedDecoder(std::string stream, std::string articlePath)
    : _stream(std::move(stream)), _articlePath(std::move(articlePath)) {
    try {
        json::appendString(_encodedStream, _stream);
    } catch (const json::EncodeError& e) {
        _streamError = e.what();
    }
}

RcFeedDecoder::Result RcFeedDecoder::decode(std::string_view datagram) const {
    std::string_view body;
    Result result;
    if (!checkDatagram(datagram, body, result)) return result;
    if (decodeValidated(body, result)) return result;
    return decodeChange(body);
}

RcFeedDecoder::Result RcFeedDecoder::decodeGeneral(std::string_view datagram) const {
    std::string_view body;
    Result result;
    if (!checkDatagram(datagram, body, result)) return result;
    return decodeChange(body);
}

bool RcFeedDecoder::checkDatagram(std::string_view datagram, std::string_view& body, Result& result) const {
    if (datagram.size() > kMaxDatagramBytes) {
        result = rejected("oversized", "datagram of " + std::to_string(datagram.size()) + " bytes exceeds " +
                                           std::to_string(kMaxDatagramBytes));
        return false;
    }
    body = jsonPart(datagram);
    if (body.empty()) {
        result = rejected("malformed_json", "datagram holds no JSON object");
        return false;
    }
    // RapidJSON stops at a NUL byte as if the input ended there; JSON text never contains one.
    if (body.find('\0') != std::string_view::npos) {
        result = rejected("malformed_json", "NUL byte in the datagram");
        return false;
    }
    return true;
}

bool RcFeedDecoder::decodeValidated(std::string_view body, Result& result) const {
    if (body.size() > kValidatedMaxBody) return false;
    // The parser's buffers, the padded copy (simdjson reads up to SIMDJSON_PADDING bytes past the
    // text), the members and the scratch for decoded strings are kept per thread, as the general
    // path's buffers are.
#if EVENTBUS_RCFEED_FRESH_BUFFERS
    simdjson::dom::parser parser;
    std::string padded;
    std::string members;
    std::string scratch;
#else
    thread_local simdjson::dom::parser parser;
    thread_local std::string padded;
    thread_local std::string members;
    thread_local std::string scratch;
#endif
    padded.assign(body);
    padded.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::element root;
    if (parser.parse(padded.data(), body.size(), false).get(root) != simdjson::SUCCESS) return false;
    Fields fields;
    if (!validatedFields(root, fields)) return false;
    members.clear();
    if (!TextChangeWriter(padded.data(), members, scratch).writeChange()) return false;
    static const std::string noEncodeError; // writeChange fails on any
    Result event = buildEvent(fields, members, noEncodeError, EventSettings{_articlePath, _encodedStream, _streamError},
                              [](std::string& out, std::string_view text) { json::appendString(out, text); });
    if (!event.ok()) return false;
    event.validated = true;
    result = std::move(event);
    return true;
}

RcFeedDecoder::Result RcFeedDecoder::decodeChange(std::string_view body) const {
    // In situ: the strings the writer keeps are decoded into a copy of the text, not into
    // allocations. The change's members are written first, since the envelope that precedes them
    // in the event depends on them. Both buffers are kept per thread (each at most a few times the
    // largest datagram): a decode then allocates only the event it returns.
#if EVENTBUS_RCFEED_FRESH_BUFFERS
    std::string text;
    std::string members;
#else
    thread_local std::string text;
    thread_local std::string members;
#endif
    text.assign(body);
    members.clear();
    const InSituText inSitu{text.data(), body.data()};
    ChangeWriter change(members, inSitu);
    rapidjson::InsituStringStream input(&text[0]);
    rapidjson::Reader reader;
    const rapidjson::ParseResult parsed = reader.Parse<rapidjson::kParseInsituFlag>(input, change);
    // The writer sees nesting only as far as the text is valid; the limit applies to all of it,
    // and comes first, as when it was checked before parsing.
    if (change.tooDeep() || (parsed.IsError() && json::nestsDeeperThan(body, kMaxDepth)))
        return rejected("too_deep", "JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
    if (parsed.IsError())
        return rejected("malformed_json", std::string("invalid JSON at offset ") + std::to_string(parsed.Offset()) +
                                              ": " + rapidjson::GetParseError_En(parsed.Code()));
    return buildEvent(change.fields(), members, change.encodeError(),
                      EventSettings{_articlePath, _encodedStream, _streamError},
                      [&inSitu](std::string& out, std::string_view text) { inSitu.appendString(out, text); });
}

} // namespace rcfeed
} // namespace eventbus
