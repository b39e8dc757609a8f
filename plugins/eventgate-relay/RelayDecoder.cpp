// RapidJSON's SSE2 scanning of strings and whitespace, 16 bytes at a time: string scanning was
// 58 % of a decode, and SSE2 cut a decode of 100 events from 2.2 to 1.5 us per event. Two
// details of Debian's RapidJSON 1.1 are covered below: its SSE2 string scan lets the raw
// control bytes 0x1A-0x1F through (it compares against 0x19), so the body is checked for them
// first; and its aligned 16-byte loads may reach up to 15 bytes past the closing NUL, so the
// scratch copy is padded. The macro changes RapidJSON's reader for this translation unit only:
// nothing else linked with it (the plugin's other file, the SDK, RelayDecoderTest, the relay
// fuzzer) instantiates the reader, and each plugin is its own shared object with hidden
// visibility. Linking this decoder beside another one that parses in situ would break that
// (one SkipWhitespace(InsituStringStream&) would win for both). Defined before any header,
// since PhpJson.h includes RapidJSON too.
#if defined(__SSE2__)
#define RAPIDJSON_SSE2
#include <emmintrin.h>
#endif

#include "RelayDecoder.h"

#include <cstring>

#include "eventbus/PhpJson.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stream.h>
#include <simdjson.h>

namespace eventbus {
namespace relay {

namespace {

// In situ on a scratch copy of the body: strings and numbers are handed over where they lie
// instead of being copied character by character. UTF-8 is checked once over the whole body
// beforehand, which is much cheaper than the reader's check per string character.
constexpr unsigned kRecursiveFlags = rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag;
// The iterative reader uses no stack per level, so any depth is safe; its state machine costs
// about a third more than the recursive reader (perf: Transit and Predict were 12 % of the
// daemon's CPU on the relay benchmark).
constexpr unsigned kIterativeFlags = kRecursiveFlags | rapidjson::kParseIterativeFlag;
// Deepest nesting the recursive reader is given (two stack frames per level, well under 100 KB
// even in a sanitizer build); a deeper body is scanned again by the iterative reader.
constexpr int kRecursionDepth = 128;

struct ScannedEvent {
    size_t start = 0;
    size_t end = 0;
    size_t metaClose = 0;
    unsigned metaMembers = 0;
    bool hasMeta = false;
    bool hasStream = false;
    bool hasId = false;
    bool hasDt = false;
    std::string_view stream; ///< in the in-situ copy
    std::string_view id;
};

class EventScanner : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, EventScanner> {
public:
    /// The iterative reader calls StartObject/EndObject while the stream is still on the '{' / '}',
    /// the recursive one right after it: `recursive` says which, so offsets come out the same.
    /// `maxLevel` stops the recursive reader before it nests deeper than kRecursionDepth.
    EventScanner(rapidjson::InsituStringStream& stream, bool recursive)
        : _stream(stream), _shift(recursive ? 1 : 0), _maxLevel(recursive ? kRecursionDepth : -1) {}

    bool Null() { return scalar(); }
    bool Bool(bool) { return scalar(); }
    bool Int(int) { return scalar(); }
    bool Uint(unsigned) { return scalar(); }
    bool Int64(int64_t) { return scalar(); }
    bool Uint64(uint64_t) { return scalar(); }
    bool Double(double) { return scalar(); }
    bool RawNumber(const char*, rapidjson::SizeType, bool) { return scalar(); }
    bool String(const char* s, rapidjson::SizeType len, bool) { return scalar(s, len); }

    bool StartObject() {
        if (_level == _maxLevel) return false; // too deep to recurse: scanned iteratively instead
        if (_level == 0) {
            _eventLevel = 1;
            beginEvent();
        } else if (_topIsArray && _level == 1) {
            beginEvent();
        } else {
            const Field field = takePending();
            if (field == Field::Meta) {
                _inMeta = true;
                _current.hasMeta = true;
            } else if (!nonStringValue(field)) {
                return false;
            }
        }
        ++_level;
        return true;
    }

    bool EndObject(rapidjson::SizeType members) {
        --_level;
        if (_inMeta && _level == _eventLevel) {
            _inMeta = false;
            _current.metaClose = _stream.Tell() - _shift;
            _current.metaMembers = members;
        } else if (_inEvent && _level == _eventLevel - 1) {
            _current.end = _stream.Tell() - _shift + 1;
            return endEvent();
        }
        return true;
    }

    bool StartArray() {
        if (_level == _maxLevel) return false;
        if (_level == 0) {
            _topIsArray = true;
            _eventLevel = 2;
        } else if (_topIsArray && _level == 1) {
            return fail("not_an_object", "event " + std::to_string(_events.size()) + " is not a JSON object");
        } else if (!nonStringValue(takePending())) {
            return false;
        }
        ++_level;
        return true;
    }

    bool EndArray(rapidjson::SizeType) {
        --_level;
        return true;
    }

    bool Key(const char* s, rapidjson::SizeType len, bool) {
        const std::string_view key(s, len);
        _pending = Field::None;
        if (_inEvent && _level == _eventLevel) {
            if (key == "meta") {
                if (_current.hasMeta) return fail("duplicate_key", eventLabel() + ": duplicate key meta");
                _pending = Field::Meta;
            }
        } else if (_inMeta && _level == _eventLevel + 1) {
            if (key == "stream") _pending = Field::Stream;
            else if (key == "id") _pending = Field::Id;
            else if (key == "dt") _pending = Field::Dt;
            const bool seen = (_pending == Field::Stream && _current.hasStream) ||
                              (_pending == Field::Id && _current.hasId) || (_pending == Field::Dt && _current.hasDt);
            if (seen) return fail("duplicate_key", eventLabel() + ": duplicate key meta." + std::string(key));
        }
        return true;
    }

    std::vector<ScannedEvent>& events() { return _events; }
    bool topIsArray() const { return _topIsArray; }
    const std::string& reason() const { return _reason; }
    const std::string& error() const { return _error; }

private:
    enum class Field { None, Meta, Stream, Id, Dt };

    Field takePending() {
        const Field field = _pending;
        _pending = Field::None;
        return field;
    }

    std::string eventLabel() const { return "event " + std::to_string(_events.size()); }

    bool fail(const char* reason, std::string message) {
        _reason = reason;
        _error = std::move(message);
        return false;
    }

    bool scalar(const char* s = nullptr, rapidjson::SizeType len = 0) {
        if (_level == 0) return fail("not_events", "the body is not a JSON object or a list of objects");
        if (_topIsArray && _level == 1)
            return fail("not_an_object", "event " + std::to_string(_events.size()) + " is not a JSON object");
        const Field field = takePending();
        if (s && field == Field::Stream) {
            _current.hasStream = true;
            _current.stream = std::string_view(s, len);
            return true;
        }
        if (s && field == Field::Id) {
            _current.hasId = true;
            _current.id = std::string_view(s, len);
            return true;
        }
        return nonStringValue(field);
    }

    // A value that is not a string (or not a scalar) for the field the last key named.
    bool nonStringValue(Field field) {
        switch (field) {
        case Field::Meta: return fail("invalid_meta", eventLabel() + ": meta is not an object");
        case Field::Stream: return fail("invalid_meta", eventLabel() + ": meta.stream is not a string");
        case Field::Id: return fail("invalid_meta", eventLabel() + ": meta.id is not a string");
        case Field::Dt: _current.hasDt = true; return true;
        case Field::None: return true;
        }
        return true;
    }

    void beginEvent() {
        _inEvent = true;
        _current = ScannedEvent();
        _current.start = _stream.Tell() - _shift;
    }

    bool endEvent() {
        _inEvent = false;
        if (!_current.hasMeta) return fail("missing_stream", eventLabel() + ": no meta object (meta.stream routes it)");
        if (!_current.hasStream) return fail("missing_stream", eventLabel() + ": no meta.stream");
        if (_current.stream.empty()) return fail("missing_stream", eventLabel() + ": meta.stream is empty");
        if (_current.hasId && _current.id.empty()) return fail("invalid_meta", eventLabel() + ": meta.id is empty");
        _events.push_back(std::move(_current));
        return true;
    }

    rapidjson::InsituStringStream& _stream; ///< only read (Tell() is not const)
    const size_t _shift;
    const int _maxLevel; ///< -1: none
    int _level = 0;
    int _eventLevel = 1;
    bool _topIsArray = false;
    bool _inEvent = false;
    bool _inMeta = false;
    Field _pending = Field::None;
    ScannedEvent _current;
    std::vector<ScannedEvent> _events;
    std::string _reason;
    std::string _error;
};

// ---- The validated path: simdjson's DOM parser checks the whole body (UTF-8, control bytes,
// syntax) about 2.5 times faster than the RapidJSON scan below and reads each event's meta; the
// events' byte ranges are then found by a structural scan that may assume valid JSON. It takes
// only the common case: every event an object with one meta holding one non-empty string stream,
// one non-empty string id and one dt. Anything else (a bad body, a missing id or dt to insert,
// a number simdjson cannot hold) goes to the RapidJSON scan, which decides and words it.

#if defined(__SSE2__)
/// Bodies above this go straight to RapidJSON.
constexpr size_t kValidatedMaxBody = 1 << 20;
/// A simdjson parser keeps buffers of about 13 times the largest body it parsed; each HTTP thread
/// has one, so after a body above this it lets them go (at most ~1.7 MB kept per thread).
constexpr size_t kValidatedKeptBody = 128 << 10;
struct Span {
    size_t start;
    size_t end;
};

/// 64 bytes in four registers. (Written out rather than looped: -O2 keeps such loops, with the
/// registers spilled to the stack, which tripled the scan's time.)
struct Block {
    __m128i a, b, c, d;
};

/// Bit k set where the k-th byte of the block equals x.
inline uint64_t bytesEqual(const Block& block, __m128i x) {
    const auto bits = [x](__m128i chunk) {
        return uint64_t(static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, x))));
    };
    return bits(block.a) | bits(block.b) << 16 | bits(block.c) << 32 | bits(block.d) << 48;
}

/// Bit k set where an odd number of bits at or below k are set: inside a string, given its quotes.
inline uint64_t prefixXor(uint64_t bits) {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    return bits;
}

/// The byte ranges of the events of a valid body: the top-level object, or each element of the
/// top-level list (DOM-checked to be objects). 64 bytes at a time, as simdjson's first stage
/// does: quote bits, minus escaped ones, give the string interiors by prefix XOR; the brackets
/// outside them give the depth. The text is padded by 64 readable bytes past len. (simdjson's DOM
/// keeps no source offsets, and its On-Demand API, which has them, runs its scalar fallback
/// unless built for one CPU; hence this scan of ours.)
///
/// False too for numbers RapidJSON may refuse where simdjson does not, so that RapidJSON decides
/// them: any exponent (RapidJSON refuses 0e309, simdjson reads 0) and digits filling a 64-byte
/// block outside strings, as any run of 127 or more does (RapidJSON refuses integer parts of 308
/// digits, simdjson reads them as doubles).
bool eventSpans(const char* text, size_t len, std::vector<Span>& spans) {
    size_t first = 0;
    while (first < len && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' || text[first] == '\r'))
        ++first;
    if (first == len || (text[first] != '{' && text[first] != '[')) return false;
    const int eventDepth = text[first] == '{' ? 0 : 1; // the depth outside an event's braces
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i lowerBit = _mm_set1_epi8(0x20); // '[' | 0x20 == '{', ']' | 0x20 == '}'
    const __m128i open = _mm_set1_epi8('{');
    const __m128i close = _mm_set1_epi8('}');
    const __m128i exponent = _mm_set1_epi8('e'); // 'E' | 0x20 too
    const __m128i belowZero = _mm_set1_epi8('0' - 1);
    const __m128i aboveNine = _mm_set1_epi8('9' + 1);
    const __m128i plus = _mm_set1_epi8('+');
    const __m128i minus = _mm_set1_epi8('-');
    uint64_t stringCarry = 0; // all ones when the last block ended inside a string
    bool escapeCarry = false; // the block's first byte is escaped
    int depth = 0;
    size_t eventStart = 0;
    for (size_t block = 0; block < len; block += 64) {
        const auto load = [text, block](size_t at) {
            return _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + block + at));
        };
        const Block chunks{load(0), load(16), load(32), load(48)};
        const Block folded{_mm_or_si128(chunks.a, lowerBit), _mm_or_si128(chunks.b, lowerBit),
                           _mm_or_si128(chunks.c, lowerBit), _mm_or_si128(chunks.d, lowerBit)};
        uint64_t escaped = 0;
        uint64_t backslashes = bytesEqual(chunks, backslash);
        if (escapeCarry) {
            escaped = 1;
            backslashes &= ~uint64_t(1);
        }
        escapeCarry = false;
        while (backslashes != 0) { // only inside strings, in valid JSON; each escapes the next byte
            const int at = __builtin_ctzll(backslashes);
            backslashes &= backslashes - 1;
            if (at == 63) {
                escapeCarry = true;
                break;
            }
            escaped |= uint64_t(1) << (at + 1);
            backslashes &= ~(uint64_t(1) << (at + 1));
        }
        const uint64_t inString = prefixXor(bytesEqual(chunks, quote) & ~escaped) ^ stringCarry;
        stringCarry = uint64_t(static_cast<int64_t>(inString) >> 63);
        const uint64_t valid = len - block >= 64 ? ~uint64_t(0) : (uint64_t(1) << (len - block)) - 1;
        const uint64_t outside = ~inString & valid;
        const auto digitBits = [&](__m128i chunk) { // '0'..'9'; bytes >= 0x80 compare as negative
            return uint64_t(static_cast<uint16_t>(_mm_movemask_epi8(
                _mm_and_si128(_mm_cmpgt_epi8(chunk, belowZero), _mm_cmplt_epi8(chunk, aboveNine)))));
        };
        const uint64_t digits =
            digitBits(chunks.a) | digitBits(chunks.b) << 16 | digitBits(chunks.c) << 32 | digitBits(chunks.d) << 48;
        if ((digits & outside) == ~uint64_t(0)) return false;
        // In JSON outside strings an 'e' followed by a digit or a sign is an exponent ("true" and
        // "false" end in an 'e' followed by a delimiter).
        const uint64_t exponents = bytesEqual(folded, exponent) & outside;
        const uint64_t signedDigits = digits | bytesEqual(chunks, plus) | bytesEqual(chunks, minus);
        if ((exponents & (signedDigits >> 1)) != 0) return false;
        if ((exponents >> 63) != 0) {
            const char next = text[block + 64]; // within the padding when past len (zeros)
            if ((next >= '0' && next <= '9') || next == '+' || next == '-') return false;
        }
        const uint64_t opens = bytesEqual(folded, open) & outside;
        uint64_t brackets = (opens | bytesEqual(folded, close)) & outside;
        while (brackets != 0) {
            const int at = __builtin_ctzll(brackets);
            brackets &= brackets - 1;
            if (opens & (uint64_t(1) << at)) {
                if (depth++ == eventDepth) eventStart = block + static_cast<size_t>(at);
            } else if (--depth == eventDepth) {
                spans.push_back({eventStart, block + static_cast<size_t>(at) + 1});
            }
        }
    }
    return depth == 0 && !spans.empty();
}

/// meta.stream and meta.id of an event that needs nothing inserted and breaks no rule; false
/// for anything else.
bool readMeta(simdjson::dom::element event, std::string_view& stream, std::string_view& id) {
    simdjson::dom::object object;
    if (event.get_object().get(object) != simdjson::SUCCESS) return false;
    simdjson::dom::element meta;
    int metas = 0;
    for (const simdjson::dom::key_value_pair field : object) {
        if (field.key == "meta") {
            meta = field.value;
            ++metas;
        }
    }
    simdjson::dom::object metaObject;
    if (metas != 1 || meta.get_object().get(metaObject) != simdjson::SUCCESS) return false;
    int streams = 0, ids = 0, dts = 0;
    for (const simdjson::dom::key_value_pair field : metaObject) {
        if (field.key == "stream") {
            ++streams;
            if (field.value.get_string().get(stream) != simdjson::SUCCESS) return false;
        } else if (field.key == "id") {
            ++ids;
            if (field.value.get_string().get(id) != simdjson::SUCCESS) return false;
        } else if (field.key == "dt") {
            ++dts;
        }
    }
    return streams == 1 && ids == 1 && dts == 1 && !stream.empty() && !id.empty();
}

/// The validated path; true when it decoded the body into result, false (result untouched) when
/// the RapidJSON scan has to decide.
bool decodeValidated(std::string_view body, RelayResult& result) {
    if (body.size() > kValidatedMaxBody) return false;
    thread_local simdjson::dom::parser parser;
    thread_local std::vector<char> padded;
    struct Release { // after a large body, so that each thread does not keep its buffers
        size_t size;
        ~Release() {
            if (size > kValidatedKeptBody) {
                parser = simdjson::dom::parser();
                std::vector<char>().swap(padded);
            }
        }
    } release{body.size()};
    padded.resize(body.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded.data(), body.data(), body.size());
    std::memset(padded.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    simdjson::dom::element root;
    if (parser.parse(padded.data(), body.size(), false).get(root) != simdjson::SUCCESS) return false;
    std::vector<Span> spans;
    if (!eventSpans(padded.data(), body.size(), spans)) return false;
    // stream and id point into the parser until copied below, into storage of the result's own.
    std::vector<RelayEvent> events;
    events.reserve(spans.size());
    size_t stringBytes = 0;
    auto add = [&](simdjson::dom::element event) {
        std::string_view stream, id;
        if (events.size() >= spans.size() || !readMeta(event, stream, id)) return false;
        const Span& span = spans[events.size()];
        events.push_back({stream, id, body.substr(span.start, span.end - span.start)});
        stringBytes += stream.size() + id.size();
        return true;
    };
    simdjson::dom::array list;
    if (root.get_array().get(list) == simdjson::SUCCESS) {
        for (const simdjson::dom::element event : list)
            if (!add(event)) return false;
    } else if (!add(root)) {
        return false;
    }
    if (events.empty() || events.size() != spans.size()) return false;
    std::vector<char> strings(stringBytes);
    size_t used = 0;
    auto keep = [&](std::string_view& text) {
        std::memcpy(strings.data() + used, text.data(), text.size());
        text = std::string_view(strings.data() + used, text.size());
        used += text.size();
    };
    for (RelayEvent& event : events) {
        keep(event.stream);
        keep(event.id);
    }
    result.events = std::move(events);
    result.unescaped = std::move(strings);
    return true;
}
#else
bool decodeValidated(std::string_view, RelayResult&) { return false; } // the span scan needs SSE2
#endif

/// The offset of the first NUL or raw 0x1A-0x1F byte, or npos. Both are invalid anywhere in JSON
/// (raw control bytes are, and only tab, LF and CR may appear outside strings); the in-situ
/// parse would stop at a NUL, and the SSE2 string scan would take the others as text.
size_t firstUnscannableByte(std::string_view body) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    const __m128i low = _mm_set1_epi8(0x1A);
    const __m128i high = _mm_set1_epi8(0x1F);
    for (; i + 16 <= body.size(); i += 16) {
        const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(body.data() + i));
        // 0x1A <= byte <= 0x1F, unsigned: max(byte, 0x1A) == byte and min(byte, 0x1F) == byte.
        const __m128i inRange = _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(chunk, low), chunk),
                                              _mm_cmpeq_epi8(_mm_min_epu8(chunk, high), chunk));
        const __m128i flagged = _mm_or_si128(inRange, _mm_cmpeq_epi8(chunk, zero));
        if (_mm_movemask_epi8(flagged) != 0) break;
    }
#endif
    for (; i < body.size(); ++i) {
        const auto c = static_cast<unsigned char>(body[i]);
        if (c == 0 || (c >= 0x1A && c <= 0x1F)) return i;
    }
    return std::string_view::npos;
}

/// Scans the checked body into result.unescaped and scanned; false (with result.reason and
/// result.error) when it is rejected.
bool scanBody(std::string_view body, bool recursive, RelayResult& result, std::vector<ScannedEvent>& scanned) {
    // The NUL ends the in-situ stream; 15 more bytes keep SSE2's aligned loads inside the copy.
    result.unescaped.reserve(body.size() + 16);
    result.unescaped.assign(body.begin(), body.end());
    result.unescaped.resize(body.size() + 16, '\0');
    rapidjson::InsituStringStream stream(result.unescaped.data());
    EventScanner scanner(stream, recursive);
    rapidjson::Reader reader;
    const rapidjson::ParseResult parsed = recursive ? reader.Parse<kRecursiveFlags>(stream, scanner)
                                                    : reader.Parse<kIterativeFlags>(stream, scanner);
    if (!scanner.error().empty()) {
        result.reason = scanner.reason();
        result.error = scanner.error();
        return false;
    }
    if (parsed.IsError()) {
        result.reason = "malformed_json";
        result.error = std::string("the body is not valid JSON: ") + rapidjson::GetParseError_En(parsed.Code()) +
                       " at byte " + std::to_string(parsed.Offset());
        return false;
    }
    scanned = std::move(scanner.events());
    return true;
}

} // namespace

RelayResult RelayDecoder::decode(std::string_view body, std::string_view dt, IdGenerator newId, Walk walk) {
    RelayResult result;
    if (walk == Walk::Auto || walk == Walk::Validated) {
        if (decodeValidated(body, result))
            return result;
        if (walk == Walk::Validated) {
            result.reason = "not_validated";
            result.error = "the validated path does not take this body";
            return result;
        }
    }
    // The in-situ stream ends at the first NUL, which JSON never allows outside of escapes.
    const size_t bad = firstUnscannableByte(body);
    if (bad != std::string_view::npos) {
        result.reason = "malformed_json";
        result.error = body[bad] == '\0'
            ? "the body is not valid JSON: a NUL byte at byte " + std::to_string(bad)
            : "the body is not valid JSON: a raw control character at byte " + std::to_string(bad);
        return result;
    }
    if (!json::isValidUtf8(body)) {
        result.reason = "malformed_json";
        result.error = "the body is not valid JSON: it is not valid UTF-8";
        return result;
    }
    // The recursive reader first. Whatever it rejects (a body nested too deep for it, or a bad
    // one) is scanned again by the iterative reader, so a rejection reads the same either way.
    std::vector<ScannedEvent> scanned;
    const bool scannedRecursively = walk != Walk::Iterative && scanBody(body, true, result, scanned);
    if (!scannedRecursively) {
        result.reason.clear();
        result.error.clear();
        if (!scanBody(body, false, result, scanned))
            return result;
    }
    if (scanned.empty()) {
        result.reason = "no_events";
        result.error = "the body holds no events";
        return result;
    }

    result.events.reserve(scanned.size());
    for (auto& e : scanned) {
        RelayEvent event;
        event.stream = e.stream;
        const std::string_view original = body.substr(e.start, e.end - e.start);
        if (e.hasId && e.hasDt) {
            event.id = e.id;
            event.json = original;
        } else {
            const std::string generatedId = e.hasId ? std::string() : newId();
            std::string& json = result.rewritten.emplace_back();
            json.reserve(original.size() + generatedId.size() + dt.size() + 16);
            json.append(body.data() + e.start, e.metaClose - e.start);
            bool needComma = e.metaMembers > 0;
            size_t idAt = 0;
            if (!e.hasId) {
                json += needComma ? ",\"id\":\"" : "\"id\":\"";
                idAt = json.size();
                json += generatedId;
                json += '"';
                needComma = true;
            }
            if (!e.hasDt) {
                json += needComma ? ",\"dt\":\"" : "\"dt\":\"";
                json.append(dt.data(), dt.size());
                json += '"';
            }
            json.append(body.data() + e.metaClose, e.end - e.metaClose);
            event.json = json;
            event.id = e.hasId ? e.id : event.json.substr(idAt, generatedId.size());
        }
        result.events.push_back(std::move(event));
    }
    return result;
}

bool RelayDecoder::isHasty(std::string_view uri) {
    const auto question = uri.find('?');
    if (question == std::string_view::npos) return false;
    std::string_view query = uri.substr(question + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.substr(0, pair.find('=')) == "hasty") return true;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return false;
}

} // namespace relay
} // namespace eventbus
