#include "ExecLineDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace eventbus {

namespace {

ExecLineResult fail(const char* reason, std::string message)
{
    ExecLineResult r;
    r.reason = reason;
    r.message = std::move(message);
    return r;
}

bool hasString(const rapidjson::Value& object, const char* key)
{
    auto it = object.FindMember(key);
    return it != object.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0;
}

} // namespace

ExecLineResult ExecLineDecoder::decode(std::string_view line)
{
    if (json::nestsDeeperThan(line, json::kMaxNesting))
        return fail("too_deep", "JSON nests deeper than " + std::to_string(json::kMaxNesting) + " levels");
    rapidjson::Document d;
    // Parsed without UTF-8 validation and checked below, so the error can say what was wrong.
    d.Parse(line.data(), line.size());
    if (d.HasParseError())
        return fail("malformed_json", std::string("not JSON: ") + rapidjson::GetParseError_En(d.GetParseError()) +
                                          " at offset " + std::to_string(d.GetErrorOffset()));
    if (!d.IsObject()) return fail("not_an_object", "a line must hold one JSON object");
    if (!json::isValidUtf8(line)) return fail("invalid_utf8", "the line is not valid UTF-8");
    if (!hasString(d, "$schema")) return fail("missing_schema", "the event has no \"$schema\" string");
    auto meta = d.FindMember("meta");
    if (meta == d.MemberEnd() || !meta->value.IsObject() || !hasString(meta->value, "stream"))
        return fail("missing_stream", "the event has no meta.stream string");
    ExecLineResult r;
    r.stream = meta->value["stream"].GetString();
    const bool complete = hasString(meta->value, "id") && hasString(meta->value, "dt");
    if (complete) {
        r.id = meta->value["id"].GetString();
        r.json.assign(line.data(), line.size());
    } else {
        r.id = ensureIdAndDt(d);
        try {
            r.json = json::encode(d);
        } catch (const json::EncodeError& e) {
            // An escaped unpaired surrogate ("\udc00") parses into bytes that are not UTF-8.
            return fail("invalid_utf8", std::string("the event escapes an unpaired UTF-16 surrogate: ") + e.what());
        }
    }
    r.ok = true;
    return r;
}

} // namespace eventbus
