#include "RcFeedDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"
#include "eventbus/Url.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cstdint>

namespace eventbus {
namespace rcfeed {

namespace {

constexpr char kSchema[] = "/mediawiki/recentchange/1.0.0";
/// Deeper than any change MediaWiki sends (log_params nest a few levels at most).
constexpr int kMaxDepth = 64;
/// 9999-12-31T23:59:59Z: later times do not fit the four-digit years of meta.dt.
constexpr int64_t kLastTimestamp = 253402300799;

RcFeedDecoder::Result rejected(const char* reason, std::string message) {
    RcFeedDecoder::Result r;
    r.reason = reason;
    r.message = std::move(message);
    return r;
}

/// The JSON part of a datagram: without the udp2log "PREFIX " and the line end UDPTransport adds.
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

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
    const auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string_view view(const rapidjson::Value& s) { return {s.GetString(), s.GetStringLength()}; }

rapidjson::Value stringValue(std::string_view s, rapidjson::Document::AllocatorType& alloc) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

} // namespace

RcFeedDecoder::RcFeedDecoder(std::string stream, std::string articlePath)
    : _stream(std::move(stream)), _articlePath(std::move(articlePath)) {}

RcFeedDecoder::Result RcFeedDecoder::decode(std::string_view datagram) const {
    if (datagram.size() > kMaxDatagramBytes)
        return rejected("oversized", "datagram of " + std::to_string(datagram.size()) + " bytes exceeds " +
                                         std::to_string(kMaxDatagramBytes));
    const std::string_view body = jsonPart(datagram);
    if (body.empty()) return rejected("malformed_json", "datagram holds no JSON object");
    // RapidJSON stops at a NUL byte as if the input ended there; JSON text never contains one.
    if (body.find('\0') != std::string_view::npos) return rejected("malformed_json", "NUL byte in the datagram");

    if (json::nestsDeeperThan(body, kMaxDepth))
        return rejected("too_deep", "JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");

    rapidjson::Document change;
    change.Parse(body.data(), body.size());
    if (change.HasParseError())
        return rejected("malformed_json", std::string("invalid JSON at offset ") +
                                              std::to_string(change.GetErrorOffset()) + ": " +
                                              rapidjson::GetParseError_En(change.GetParseError()));
    if (!change.IsObject()) return rejected("not_recentchange", "the JSON is not an object");
    auto& alloc = change.GetAllocator();
    // First, because erasing members moves the others: the pointers taken below stay valid.
    json::removeNulls(change);

    const auto typeMember = change.FindMember("type");
    rapidjson::Value* type = typeMember == change.MemberEnd() ? nullptr : &typeMember->value;
    if (type && type->IsInt64()) {
        const char* name = typeName(type->GetInt64());
        if (!name) return rejected("not_recentchange", "unknown numeric \"type\" " + std::to_string(type->GetInt64()));
        type->SetString(rapidjson::StringRef(name));
    }
    if (!type || !type->IsString() || type->GetStringLength() == 0)
        return rejected("not_recentchange", "missing or invalid \"type\"");
    const rapidjson::Value* title = member(change, "title");
    if (!title || !title->IsString()) return rejected("not_recentchange", "missing or non-string \"title\"");
    const rapidjson::Value* timestamp = member(change, "timestamp");
    if (!timestamp || !timestamp->IsInt64() || timestamp->GetInt64() < 0 || timestamp->GetInt64() > kLastTimestamp)
        return rejected("not_recentchange", "missing or out-of-range integer \"timestamp\"");
    const rapidjson::Value* titleUrl = member(change, "title_url");
    const rapidjson::Value* serverUrl = member(change, "server_url");
    if (!(titleUrl && titleUrl->IsString()) && !(serverUrl && serverUrl->IsString()))
        return rejected("not_recentchange", "neither \"title_url\" nor \"server_url\" is a string");
    const rapidjson::Value* serverName = member(change, "server_name");

    // meta as EventFactory orders it (uri, request_id, id, domain, stream), plus the dt EventGate
    // needs. The feed carries no request id, so request_id is left out rather than invented.
    Result result;
    result.id = uuidV4();
    rapidjson::Value meta(rapidjson::kObjectType);
    if (titleUrl && titleUrl->IsString()) {
        meta.AddMember("uri", stringValue(view(*titleUrl), alloc), alloc);
    } else {
        std::string dbKey(view(*title));
        std::replace(dbKey.begin(), dbKey.end(), ' ', '_');
        meta.AddMember("uri", stringValue(articleUrl(view(*serverUrl), _articlePath, dbKey), alloc), alloc);
    }
    meta.AddMember("id", stringValue(result.id, alloc), alloc);
    if (serverName && serverName->IsString() && serverName->GetStringLength() > 0)
        meta.AddMember("domain", stringValue(view(*serverName), alloc), alloc);
    meta.AddMember("stream", rapidjson::StringRef(_stream.data(), _stream.size()), alloc);
    meta.AddMember("dt", stringValue(formatDt(timestamp->GetInt64()), alloc), alloc);

    rapidjson::Value event(rapidjson::kObjectType);
    event.AddMember("$schema", rapidjson::StringRef(kSchema), alloc);
    event.AddMember("meta", meta, alloc);
    for (auto& m : change.GetObject()) {
        const std::string_view key = view(m.name);
        if (key == "$schema" || key == "meta") continue;
        event.AddMember(m.name, m.value, alloc);
    }

    try {
        result.json = json::encode(event);
    } catch (const json::EncodeError& e) {
        return rejected("invalid_utf8", e.what());
    }
    return result;
}

} // namespace rcfeed
} // namespace eventbus
