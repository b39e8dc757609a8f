#include "RcFeedDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"
#include "eventbus/Url.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
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
    enum FieldName { Type, Title, Timestamp, TitleUrl, ServerUrl, ServerName, kFieldCount };

    ChangeWriter(std::string& out, const InSituText& text) : _out(out), _text(text) {}

    const Field& field(FieldName name) const { return _fields[name]; }
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
    /// What a top-level key means to the writer: one of the fields, an envelope key, or neither.
    static constexpr int kEnvelopeKey = kFieldCount;
    static constexpr int kOtherKey = kFieldCount + 1;

    static int topLevelMember(std::string_view key) {
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
    Field _fields[kFieldCount];
    std::string _encodeError;
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
    if (datagram.size() > kMaxDatagramBytes)
        return rejected("oversized", "datagram of " + std::to_string(datagram.size()) + " bytes exceeds " +
                                         std::to_string(kMaxDatagramBytes));
    const std::string_view body = jsonPart(datagram);
    if (body.empty()) return rejected("malformed_json", "datagram holds no JSON object");
    // RapidJSON stops at a NUL byte as if the input ended there; JSON text never contains one.
    if (body.find('\0') != std::string_view::npos) return rejected("malformed_json", "NUL byte in the datagram");

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

    const Field& type = change.field(ChangeWriter::Type);
    if (type.kind == Field::Integer && !typeName(type.number))
        return rejected("not_recentchange", "unknown numeric \"type\" " + std::to_string(type.number));
    // A known numeric type has been written as its name.
    if (type.kind != Field::Integer && (!type.isString() || type.text.empty()))
        return rejected("not_recentchange", "missing or invalid \"type\"");
    const Field& title = change.field(ChangeWriter::Title);
    if (!title.isString()) return rejected("not_recentchange", "missing or non-string \"title\"");
    const Field& timestamp = change.field(ChangeWriter::Timestamp);
    if (timestamp.kind != Field::Integer || timestamp.number < 0 || timestamp.number > kLastTimestamp)
        return rejected("not_recentchange", "missing or out-of-range integer \"timestamp\"");
    const Field& titleUrl = change.field(ChangeWriter::TitleUrl);
    const Field& serverUrl = change.field(ChangeWriter::ServerUrl);
    if (!titleUrl.isString() && !serverUrl.isString())
        return rejected("not_recentchange", "neither \"title_url\" nor \"server_url\" is a string");
    const Field& serverName = change.field(ChangeWriter::ServerName);

    // meta as EventFactory orders it (uri, request_id, id, domain, stream), plus the dt EventGate
    // needs. The feed carries no request id, so request_id is left out rather than invented.
    // The envelope's strings are encoded before the members, so an invalid one is reported first,
    // as json::encode of the whole event would.
    Result result;
    std::string& event = result.json;
    event.reserve(kEnvelopeBytes + _stream.size() + titleUrl.text.size() + serverName.text.size() + members.size() + 1);
    event += "{\"$schema\":\""sv;
    event += kSchema;
    event += "\",\"meta\":{\"uri\":"sv;
    try {
        if (titleUrl.isString()) {
            inSitu.appendString(event, titleUrl.text);
        } else {
            std::string dbKey(title.text);
            std::replace(dbKey.begin(), dbKey.end(), ' ', '_');
            json::appendString(event, articleUrl(serverUrl.text, _articlePath, dbKey));
        }
        event += ",\"id\":\""sv;
        result.idOffset = event.size();
        appendUuidV4(event);
        event += '"';
        if (serverName.isString() && !serverName.text.empty()) {
            event += ",\"domain\":"sv;
            inSitu.appendString(event, serverName.text);
        }
    } catch (const json::EncodeError& e) {
        return rejected("invalid_utf8", e.what());
    }
    if (!_streamError.empty()) return rejected("invalid_utf8", _streamError);
    event += ",\"stream\":"sv;
    event += _encodedStream;
    if (!change.encodeError().empty()) return rejected("invalid_utf8", change.encodeError());
    event += ",\"dt\":\""sv;
    appendDt(event, timestamp.number);
    event += "\"}"sv;
    event += members;
    event += '}';
    return result;
}

} // namespace rcfeed
} // namespace eventbus
