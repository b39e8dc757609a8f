#include "JobSpecDecoder.h"

#include "PhpSerialize.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <utility>

namespace eventbus {
namespace jobqueue {

namespace {

const char* const kSchema = "/mediawiki/job/1.0.0";
// The deprecated constant MediaWiki puts in every job event.
const char* const kPlaceholderUri = "https://placeholder.invalid/wiki/Special:Badtitle";

// Top-level fields of a job specification, and the params key each shorthand stands for.
const std::pair<const char*, const char*> kShorthands[] = {
    {"rootJobSignature", "rootJobSignature"},
    {"rootJobTimestamp", "rootJobTimestamp"},
    {"releaseTimestamp", "jobReleaseTimestamp"},
};
const char* const kSpecFields[] = {"type", "params", "database", "removeDuplicates",
                                   "removeDuplicatesIgnoreParams", "rootJobSignature",
                                   "rootJobTimestamp", "releaseTimestamp"};
// Params that never take part in de-duplication (core's getDeduplicationInfo).
const char* const kNonIdentityParams[] = {"rootJobSignature", "rootJobTimestamp", "jobReleaseTimestamp",
                                          "requestId"};

bool isKnownField(std::string_view name) {
    for (const char* f : kSpecFields)
        if (name == f) return true;
    return false;
}

std::string_view view(const rapidjson::Value& s) { return {s.GetString(), s.GetStringLength()}; }

rapidjson::Value stringValue(std::string_view s, rapidjson::Document::AllocatorType& alloc) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

/// Hands the parser's events to the document, and stops the parse once arrays and objects nest
/// deeper than kMaxNesting (the parser and the walks over the document recurse once per level).
/// Checking while parsing spares a pass over every body: that pass was 4 % of the daemon's CPU in
/// the jobs benchmark (perf).
class DepthLimit {
public:
    explicit DepthLimit(rapidjson::Document& doc) : _doc(doc) {}
    bool exceeded() const { return _exceeded; }

    bool Null() { return _doc.Null(); }
    bool Bool(bool b) { return _doc.Bool(b); }
    bool Int(int i) { return _doc.Int(i); }
    bool Uint(unsigned u) { return _doc.Uint(u); }
    bool Int64(int64_t i) { return _doc.Int64(i); }
    bool Uint64(uint64_t u) { return _doc.Uint64(u); }
    bool Double(double d) { return _doc.Double(d); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return _doc.RawNumber(s, n, copy); }
    bool String(const char* s, rapidjson::SizeType n, bool copy) { return _doc.String(s, n, copy); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return _doc.Key(s, n, copy); }
    bool StartObject() { return enter() && _doc.StartObject(); }
    bool EndObject(rapidjson::SizeType members) { return leave() && _doc.EndObject(members); }
    bool StartArray() { return enter() && _doc.StartArray(); }
    bool EndArray(rapidjson::SizeType elements) { return leave() && _doc.EndArray(elements); }

private:
    bool enter() {
        _exceeded = ++_depth > json::kMaxNesting;
        return !_exceeded;
    }
    bool leave() {
        --_depth;
        return true;
    }

    rapidjson::Document& _doc;
    int _depth = 0;
    bool _exceeded = false;
};

// isset(): present and not null.
const rapidjson::Value* param(const rapidjson::Value& params, const char* name) {
    auto it = params.FindMember(name);
    if (it == params.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
}

// PHP truthiness, for getReleaseTimestamp()'s "if ($ts)".
bool truthy(const rapidjson::Value& v) {
    if (v.IsNull() || v.IsFalse()) return false;
    if (v.IsNumber()) return v.GetDouble() != 0;
    if (v.IsString()) return !(v.GetStringLength() == 0 || view(v) == "0");
    if (v.IsArray()) return !v.Empty();
    if (v.IsObject()) return v.MemberCount() > 0;
    return true;
}

std::optional<std::string> timestampToDt(const rapidjson::Value& v) {
    if (v.IsString()) return toDt(view(v));
    if (v.IsInt64()) return toDt(std::to_string(v.GetInt64()));
    return std::nullopt;
}

bool isWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// PHP 8 is_numeric() for strings: optional surrounding whitespace, sign, decimal digits with an
// optional fraction and exponent. No hex, no "inf".
bool isNumericString(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && isWhitespace(s[i])) ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        size_t expDigits = 0;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j, ++expDigits;
        if (expDigits == 0) return false;
        i = j;
    }
    while (i < s.size() && isWhitespace(s[i])) ++i;
    return i == s.size();
}

std::string jobLabel(size_t index) { return "job " + std::to_string(index); }

} // namespace

JobSpecDecoder::JobSpecDecoder(JobQueueSettings settings)
    : _settings(std::move(settings)), _digest(std::make_shared<const Sha1Digest>(_settings.secret)) {}

bool JobSpecDecoder::phpKeyLess(std::string_view a, std::string_view b) {
    if (isNumericString(a) && isNumericString(b))
        return std::strtod(std::string(a).c_str(), nullptr) < std::strtod(std::string(b).c_str(), nullptr);
    return a < b;
}

std::string JobSpecDecoder::deduplicationInfo(std::string_view type, const rapidjson::Value& params,
                                              const std::vector<std::string>& ignoredParams) {
    std::vector<rapidjson::Value::ConstMemberIterator> kept;
    if (params.IsObject()) {
        for (auto m = params.MemberBegin(); m != params.MemberEnd(); ++m) {
            const std::string_view name = view(m->name);
            bool drop = std::find(std::begin(kNonIdentityParams), std::end(kNonIdentityParams), name) !=
                        std::end(kNonIdentityParams);
            drop = drop || std::find(ignoredParams.begin(), ignoredParams.end(), name) != ignoredParams.end();
            if (!drop) kept.push_back(m);
        }
    }
    std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
        return phpKeyLess(view(a->name), view(b->name));
    });

    std::string out = "a:2:{s:4:\"type\";s:";
    out += std::to_string(type.size());
    out += ":\"";
    out.append(type.data(), type.size());
    out += "\";s:6:\"params\";a:";
    out += std::to_string(kept.size());
    out += ":{";
    for (const auto& m : kept) {
        PhpSerialize::appendKey(out, view(m->name));
        PhpSerialize::appendTo(out, m->value);
    }
    out += "}}";
    return out;
}

JobDecodeResult JobSpecDecoder::decode(std::string_view body, const JobRequestContext& context) const {
    JobDecodeResult result;
    rapidjson::Document doc;
    rapidjson::MemoryStream bytes(body.data(), body.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(bytes);
    rapidjson::ParseResult parsed;
    bool tooDeep = false;
    auto parse = [&](rapidjson::Document& d) {
        DepthLimit limit(d);
        parsed = rapidjson::Reader().Parse<rapidjson::kParseValidateEncodingFlag>(input, limit);
        tooDeep = limit.exceeded();
        return !parsed.IsError();
    };
    doc.Populate(parse);
    // The depth applies to the whole body, and comes first, as when it was checked before parsing:
    // a body that is malformed early may still nest too deep further on.
    if (tooDeep || (parsed.IsError() && json::nestsDeeperThan(body, json::kMaxNesting))) {
        result.reason = "too_deep";
        result.error = "JSON nests deeper than " + std::to_string(json::kMaxNesting) + " levels";
        return result;
    }
    if (parsed.IsError()) {
        result.reason = "malformed_json";
        result.error = std::string("body is not valid JSON: ") + rapidjson::GetParseError_En(parsed.Code()) +
                       " at byte " + std::to_string(parsed.Offset());
        return result;
    }
    std::vector<const rapidjson::Value*> specs;
    if (doc.IsArray()) {
        for (const auto& spec : doc.GetArray()) specs.push_back(&spec);
    } else {
        specs.push_back(&doc);
    }
    if (specs.empty()) {
        result.reason = "no_jobs";
        result.error = "the body holds no job specification";
        return result;
    }

    // Within a request, jobs of one stream with the same sha1 collapse into the first one's slot,
    // the later job winning, as JobQueueEventBus::batchPush does.
    std::vector<std::string> streamOrder;
    std::map<std::string, std::vector<JobEvent>> byStream;
    std::map<std::pair<std::string, std::string>, size_t> slotBySha1;
    for (size_t i = 0; i < specs.size(); ++i) {
        JobEvent event;
        std::string sha1;
        std::string error;
        if (!buildEvent(*specs[i], context, event, sha1, error)) {
            result.events.clear();
            result.reason = "invalid_job";
            result.error = jobLabel(i) + ": " + error;
            return result;
        }
        auto& slots = byStream[event.stream];
        if (slots.empty()) streamOrder.push_back(event.stream);
        if (!sha1.empty()) {
            auto key = std::make_pair(event.stream, sha1);
            auto found = slotBySha1.find(key);
            if (found != slotBySha1.end()) {
                slots[found->second] = std::move(event);
                continue;
            }
            slotBySha1.emplace(std::move(key), slots.size());
        }
        slots.push_back(std::move(event));
    }
    for (const auto& stream : streamOrder)
        for (auto& event : byStream[stream]) result.events.push_back(std::move(event));
    return result;
}

bool JobSpecDecoder::buildEvent(const rapidjson::Value& spec, const JobRequestContext& context, JobEvent& event,
                                std::string& sha1, std::string& error) const {
    if (!spec.IsObject()) {
        error = "a job specification must be a JSON object";
        return false;
    }
    for (auto m = spec.MemberBegin(); m != spec.MemberEnd(); ++m) {
        if (!isKnownField(view(m->name))) {
            error = "unknown field '" + std::string(view(m->name)) + "'";
            return false;
        }
    }
    auto typeIt = spec.FindMember("type");
    if (typeIt == spec.MemberEnd() || !typeIt->value.IsString() || typeIt->value.GetStringLength() == 0) {
        error = "'type' must be a non-empty string";
        return false;
    }
    const std::string type(view(typeIt->value));

    // The event's document lives in a buffer on the stack: an allocator of its own would take a
    // 64 KB chunk from malloc for every job (malloc and free were a tenth of the daemon's CPU in
    // the jobs benchmark). A larger event continues in chunks from the heap.
    alignas(8) char poolBuffer[8192];
    rapidjson::MemoryPoolAllocator<> pool(poolBuffer, sizeof poolBuffer);
    rapidjson::Document doc(&pool);
    auto& alloc = doc.GetAllocator();
    rapidjson::Value params(rapidjson::kObjectType);
    auto paramsIt = spec.FindMember("params");
    if (paramsIt != spec.MemberEnd()) {
        const auto& given = paramsIt->value;
        // PHP encodes empty params as [], which stays an empty object here: the schema wants one.
        if (given.IsObject()) {
            params.CopyFrom(given, alloc);
        } else if (!(given.IsArray() && given.Empty())) {
            error = "'params' must be a JSON object";
            return false;
        }
    }
    for (const auto& [field, paramName] : kShorthands) {
        auto it = spec.FindMember(field);
        if (it == spec.MemberEnd()) continue;
        auto existing = params.FindMember(paramName);
        if (existing == params.MemberEnd()) {
            params.AddMember(rapidjson::StringRef(paramName), rapidjson::Value(it->value, alloc), alloc);
        } else if (existing->value != it->value) {
            error = std::string("'") + field + "' contradicts params." + paramName;
            return false;
        }
    }

    std::string database = _settings.defaultDatabase;
    auto dbIt = spec.FindMember("database");
    if (dbIt != spec.MemberEnd()) {
        if (!dbIt->value.IsString() || dbIt->value.GetStringLength() == 0) {
            error = "'database' must be a non-empty string";
            return false;
        }
        database = view(dbIt->value);
    }
    if (database.empty()) {
        error = "'database' is missing and no default database is configured";
        return false;
    }

    bool removeDuplicates = false;
    auto dupIt = spec.FindMember("removeDuplicates");
    if (dupIt != spec.MemberEnd()) {
        if (!dupIt->value.IsBool()) {
            error = "'removeDuplicates' must be true or false";
            return false;
        }
        removeDuplicates = dupIt->value.GetBool();
    }
    std::vector<std::string> ignoredParams;
    auto ignoreIt = spec.FindMember("removeDuplicatesIgnoreParams");
    if (ignoreIt != spec.MemberEnd()) {
        bool valid = ignoreIt->value.IsArray();
        if (valid)
            for (const auto& name : ignoreIt->value.GetArray()) {
                valid = valid && name.IsString();
                if (valid) ignoredParams.emplace_back(view(name));
            }
        if (!valid) {
            error = "'removeDuplicatesIgnoreParams' must be a list of param names";
            return false;
        }
    }

    std::string requestId = context.requestId;
    if (const auto* rid = param(params, "requestId")) {
        if (!rid->IsString()) {
            error = "params.requestId must be a string";
            return false;
        }
        requestId = view(*rid);
    }
    std::string delayUntil;
    if (const auto* release = param(params, "jobReleaseTimestamp"); release && truthy(*release)) {
        auto dt = timestampToDt(*release);
        if (!dt) {
            error = "params.jobReleaseTimestamp is not a timestamp";
            return false;
        }
        delayUntil = *dt;
    }
    const rapidjson::Value* rootSignature = param(params, "rootJobSignature");
    const rapidjson::Value* rootTimestamp = param(params, "rootJobTimestamp");
    std::string rootDt;
    if (rootSignature && rootTimestamp) {
        if (!rootSignature->IsString()) {
            error = "params.rootJobSignature must be a string";
            return false;
        }
        auto dt = timestampToDt(*rootTimestamp);
        if (!dt) {
            error = "params.rootJobTimestamp is not a timestamp";
            return false;
        }
        rootDt = *dt;
    }

    event.stream = "mediawiki.job." + type;
    event.id = context.newId ? context.newId() : uuidV4();
    auto domainIt = _settings.wikiDomains.find(database);
    const std::string& domain = domainIt != _settings.wikiDomains.end() ? domainIt->second : _settings.serverName;

    doc.SetObject();
    rapidjson::Value meta(rapidjson::kObjectType);
    meta.AddMember("uri", rapidjson::StringRef(kPlaceholderUri), alloc);
    meta.AddMember("request_id", stringValue(requestId, alloc), alloc);
    meta.AddMember("id", stringValue(event.id, alloc), alloc);
    meta.AddMember("domain", stringValue(domain, alloc), alloc);
    meta.AddMember("stream", stringValue(event.stream, alloc), alloc);
    doc.AddMember("$schema", rapidjson::StringRef(kSchema), alloc);
    doc.AddMember("meta", meta, alloc);
    doc.AddMember("database", stringValue(database, alloc), alloc);
    doc.AddMember("type", stringValue(type, alloc), alloc);
    if (!delayUntil.empty()) doc.AddMember("delay_until", stringValue(delayUntil, alloc), alloc);
    if (removeDuplicates) {
        sha1 = _digest->sha1Hex(deduplicationInfo(type, params, ignoredParams));
        doc.AddMember("sha1", stringValue(sha1, alloc), alloc);
    }
    if (!rootDt.empty()) {
        rapidjson::Value root(rapidjson::kObjectType);
        root.AddMember("signature", rapidjson::Value(*rootSignature, alloc), alloc);
        root.AddMember("dt", stringValue(rootDt, alloc), alloc);
        doc.AddMember("root_event", root, alloc);
    }
    doc.AddMember("params", params, alloc);

    // The signature covers the event as MediaWiki built it, without meta.dt: the job runner
    // verifies exactly these bytes after taking meta.dt out again. The document is encoded once,
    // member by member as json::encode does, noting where meta ends; the event is those bytes
    // with meta.dt spliced in at the end of meta and the signature appended (encoding the
    // document again was a fifth of the plugin's time).
    std::string signedText;
    size_t metaEnd = 0; // just past meta's closing brace
    try {
        signedText.reserve(1024);
        signedText += '{';
        for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
            if (m != doc.MemberBegin()) signedText += ',';
            json::appendString(signedText, view(m->name));
            signedText += ':';
            json::encodeTo(signedText, m->value);
            if (view(m->name) == "meta") metaEnd = signedText.size();
        }
        signedText += '}';
    } catch (const json::EncodeError& e) {
        error = e.what();
        return false;
    }
    if (metaEnd == 0) {
        error = "internal error: the job event has no meta"; // built above: cannot happen
        return false;
    }
    const std::string signature = _digest->hmacHex(signedText);
    std::string& out = event.json;
    out.reserve(signedText.size() + 96);
    out.append(signedText, 0, metaEnd - 1);
    out += ",\"dt\":";
    json::appendString(out, context.dt.empty() ? nowDt() : context.dt);
    out.append(signedText, metaEnd - 1, signedText.size() - metaEnd);
    out += ",\"mediawiki_signature\":\"";
    out += signature;
    out += "\"}";
    return true;
}

} // namespace jobqueue
} // namespace eventbus
