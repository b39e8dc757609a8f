#include "HelloDecoder.h"

#include <eventbus/Envelope.h>
#include <eventbus/PhpJson.h>

#include <rapidjson/document.h>

namespace hello {

namespace {

bool isStreamName(std::string_view s) {
    if (s.empty() || s.size() > 200) return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

HelloResult rejected(const char* reason, std::string message) {
    HelloResult r;
    r.reason = reason;
    r.message = std::move(message);
    return r;
}

} // namespace

HelloDecoder::HelloDecoder(std::string allowedPrefix, StreamResolver resolveStream)
    : _allowedPrefix(std::move(allowedPrefix)), _resolveStream(std::move(resolveStream)) {}

HelloResult HelloDecoder::decode(std::string_view line, std::string_view peer) const {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return rejected("empty", "empty input");
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || space + 1 == line.size())
        return rejected("missing_text", "expected \"<stream> <text>\"");
    const std::string_view stream = line.substr(0, space);
    const std::string_view text = line.substr(space + 1);
    if (!isStreamName(stream)) return rejected("bad_stream", "stream names use letters, digits, '.', '_' and '-'");
    if (stream.substr(0, _allowedPrefix.size()) != _allowedPrefix)
        return rejected("stream_not_allowed", "stream " + std::string(stream) + " does not start with " + _allowedPrefix);
    // The SDK's encoder fails on invalid UTF-8; reject it here so the reason is specific.
    if (!eventbus::json::isValidUtf8(text)) return rejected("invalid_utf8", "text is not valid UTF-8");

    rapidjson::Document attrs(rapidjson::kObjectType);
    auto& alloc = attrs.GetAllocator();
    attrs.AddMember("test", rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc), alloc);
    rapidjson::Value map(rapidjson::kObjectType);
    map.AddMember("peer", rapidjson::Value(peer.data(), static_cast<rapidjson::SizeType>(peer.size()), alloc), alloc);
    attrs.AddMember("test_map", map, alloc);

    eventbus::ModernMeta meta;
    meta.stream = _resolveStream(std::string(stream));
    meta.uri = "udp://" + std::string(peer);
    rapidjson::Document event;
    eventbus::modernEnvelope(event, "/test/event/1.0.0", meta, attrs);

    HelloResult r;
    r.ok = true;
    r.event.stream = meta.stream;
    r.event.id = event["meta"]["id"].GetString();
    r.event.json = eventbus::json::encode(event);
    return r;
}

} // namespace hello
