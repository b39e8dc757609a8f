#include "MonologRecordDecoder.h"

#include "SyslogFrame.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace eventbus {
namespace monolog {

namespace {

using Result = MonologRecordDecoder::Result;

/// The largest UDP payload.
constexpr size_t kMaxDatagramBytes = 65507;
/// Monolog normalizes context to 9 levels; a batch and the record add two.
constexpr int kMaxDepth = 64;

Result rejected(const char* reason, std::string message) {
    Result r;
    r.reason = reason;
    r.message = std::move(message);
    return r;
}

std::string_view view(const rapidjson::Value& s) { return {s.GetString(), s.GetStringLength()}; }

rapidjson::Value stringValue(std::string_view s, rapidjson::Document::AllocatorType& alloc) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

bool isNonEmptyString(const rapidjson::Value& v) { return v.IsString() && v.GetStringLength() > 0; }

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return s;
}

/// The record's time as meta.dt: Monolog 2/3 write an ISO 8601 string, Monolog 1 a serialized
/// DateTime {"date":"Y-m-d H:i:s.u","timezone":...}. Now when it is neither.
std::string recordDt(const rapidjson::Value& record) {
    const auto it = record.FindMember("datetime");
    if (it != record.MemberEnd()) {
        const rapidjson::Value& datetime = it->value;
        if (datetime.IsString()) {
            if (auto dt = toDt(view(datetime))) return *dt;
        } else if (datetime.IsObject()) {
            const auto date = datetime.FindMember("date");
            const auto zone = datetime.FindMember("timezone");
            if (date != datetime.MemberEnd() && date->value.IsString() && zone != datetime.MemberEnd() &&
                zone->value.IsString()) {
                std::string text(view(date->value));
                const std::string_view tz = view(zone->value);
                text += tz == "UTC" || tz == "Z" ? std::string_view("Z") : tz;
                if (auto dt = toDt(text)) return *dt;
            }
        }
    }
    return nowDt();
}

/// Turns one record into its event, appended to result; false (with result rejected) when it cannot.
bool decodeRecord(rapidjson::Value& record, rapidjson::Document::AllocatorType& alloc,
                  const MonologRecordDecoder::ChannelStreams& channelStreams, Result& result) {
    auto fail = [&result](const char* reason, std::string message) {
        result = rejected(reason, std::move(message));
        return false;
    };
    if (!record.IsObject()) return fail("not_a_record", "a record is not a JSON object");
    const auto contextMember = record.FindMember("context");
    if (contextMember == record.MemberEnd() || (contextMember->value.IsArray() && contextMember->value.Empty()))
        return fail("missing_schema", "the record has an empty context, so no $schema");
    rapidjson::Value& context = contextMember->value;
    if (!context.IsObject()) return fail("not_a_record", "the record's context is not a JSON object");

    // The event is the context minus `private` (wfDebugLog's flag) and `context.*` (the global
    // logging context, T433457), in the context's order. Members are moved, not copied.
    rapidjson::Value event(rapidjson::kObjectType);
    for (auto& m : context.GetObject()) {
        const std::string_view key = view(m.name);
        if (key == "private" || key.substr(0, 8) == "context.") continue;
        event.AddMember(m.name, m.value, alloc);
    }
    json::replaceBinaryValuesRecursive(event, alloc);

    const auto schema = event.FindMember("$schema");
    if (schema == event.MemberEnd() || !isNonEmptyString(schema->value))
        return fail("missing_schema", "the record's context has no $schema string");

    auto metaMember = event.FindMember("meta");
    if (metaMember == event.MemberEnd()) {
        event.AddMember("meta", rapidjson::Value(rapidjson::kObjectType), alloc);
        metaMember = event.FindMember("meta");
    }
    rapidjson::Value& meta = metaMember->value;
    // PHP encodes an empty map as [].
    if (meta.IsArray() && meta.Empty()) meta.SetObject();
    if (!meta.IsObject()) return fail("invalid_meta", "context.meta is not an object");

    MonologRecordDecoder::Event out;
    const auto stream = meta.FindMember("stream");
    if (stream != meta.MemberEnd()) {
        if (!isNonEmptyString(stream->value)) return fail("invalid_meta", "context.meta.stream is not a non-empty string");
        out.stream = std::string(view(stream->value));
    } else {
        const auto channel = record.FindMember("channel");
        const auto mapped = channel != record.MemberEnd() && channel->value.IsString()
                                ? channelStreams.find(view(channel->value))
                                : channelStreams.end();
        if (mapped == channelStreams.end())
            return fail("missing_stream", "no context.meta.stream, and the channel maps to no stream");
        out.stream = mapped->second;
        meta.AddMember("stream", stringValue(out.stream, alloc), alloc);
    }

    const auto id = meta.FindMember("id");
    if (id != meta.MemberEnd()) {
        if (!isNonEmptyString(id->value)) return fail("invalid_meta", "context.meta.id is not a non-empty string");
        out.id = std::string(view(id->value));
    } else {
        out.id = uuidV4();
        meta.AddMember("id", stringValue(out.id, alloc), alloc);
    }

    // EventGate rejects events without meta.dt; the record's own time is the event time.
    const auto dt = meta.FindMember("dt");
    if (dt != meta.MemberEnd()) {
        if (!dt->value.IsString()) return fail("invalid_meta", "context.meta.dt is not a string");
    } else {
        meta.AddMember("dt", stringValue(recordDt(record), alloc), alloc);
    }

    try {
        out.json = json::encode(event);
    } catch (const json::EncodeError& e) {
        return fail("invalid_utf8", e.what());
    }
    result.events.push_back(std::move(out));
    return true;
}

} // namespace

MonologRecordDecoder::MonologRecordDecoder(ChannelStreams channelStreams)
    : _channelStreams(std::move(channelStreams)) {}

Result MonologRecordDecoder::decodeLine(std::string_view line) const {
    line = trimmed(line);
    if (line.empty()) return rejected("malformed_json", "empty record");
    // RapidJSON stops at a NUL byte as if the input ended there; JSON text never contains one.
    if (line.find('\0') != std::string_view::npos) return rejected("malformed_json", "NUL byte in the record");

    if (json::nestsDeeperThan(line, kMaxDepth))
        return rejected("too_deep", "JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");

    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError())
        return rejected("malformed_json", std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) +
                                              ": " + rapidjson::GetParseError_En(doc.GetParseError()));
    Result result;
    auto& alloc = doc.GetAllocator();
    if (doc.IsArray()) {
        result.events.reserve(doc.Size());
        for (auto& record : doc.GetArray())
            if (!decodeRecord(record, alloc, _channelStreams, result)) return result;
    } else if (!decodeRecord(doc, alloc, _channelStreams, result)) {
        return result;
    }
    return result;
}

Result MonologRecordDecoder::decodeDatagram(std::string_view datagram) const {
    if (datagram.size() > kMaxDatagramBytes)
        return rejected("oversized", "datagram of " + std::to_string(datagram.size()) + " bytes");
    if (!datagram.empty() && datagram.front() == '<') {
        const SyslogFrame frame = SyslogFrame::parse(datagram);
        if (!frame.valid()) return rejected("bad_syslog_header", frame.error());
        return decodeLine(frame.message());
    }
    if (!datagram.empty() && datagram.front() != '{' && datagram.front() != '[') {
        const size_t space = datagram.find(' ');
        if (space == std::string_view::npos) return rejected("malformed_json", "datagram holds no JSON record");
        datagram.remove_prefix(space + 1);
    }
    return decodeLine(datagram);
}

bool MonologRecordDecoder::parseChannelStreams(std::string_view text, ChannelStreams& out, std::string& error) {
    while (!text.empty()) {
        const size_t comma = text.find(',');
        const std::string_view item = trimmed(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (item.empty()) continue;
        const size_t eq = item.find('=');
        const std::string_view channel = eq == std::string_view::npos ? item : trimmed(item.substr(0, eq));
        const std::string_view stream = eq == std::string_view::npos ? std::string_view() : trimmed(item.substr(eq + 1));
        if (channel.empty() || stream.empty()) {
            error = "\"" + std::string(item) + "\" is not channel=stream";
            return false;
        }
        out[std::string(channel)] = std::string(stream);
    }
    return true;
}

} // namespace monolog
} // namespace eventbus
