#include "JobRunner.h"

#include "eventbus/PhpJson.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/Logger.h>
#include <Poco/SHA1Engine.h>

#include <rapidjson/error/en.h>

#include <chrono>
#include <cctype>
#include <exception>
#include <utility>

namespace eventbus {

const char* const JobRunner::kRoute = "/eventbus/v0/internal/job/execute";

namespace {

const std::string_view kBase64Prefix = "data:application/octet-stream;base64,";

const char* reasonPhrase(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 415: return "Unsupported Media Type";
    case 423: return "Locked";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

Poco::Logger& logger() { return Poco::Logger::get("JobRunner"); }

std::string_view view(const rapidjson::Value& s) { return {s.GetString(), s.GetStringLength()}; }

bool isJsonMediaType(std::string_view contentType) {
    const auto semicolon = contentType.find(';');
    std::string_view type = contentType.substr(0, semicolon);
    while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.remove_prefix(1);
    while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
    const std::string_view expected = "application/json";
    if (type.size() != expected.size()) return false;
    for (size_t i = 0; i < type.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(type[i])) != expected[i]) return false;
    return true;
}

// The event as MediaWiki signed it: every member but mediawiki_signature, optionally without
// meta.dt, in the received order, through the FormatJson-compatible encoder.
std::string signedText(const rapidjson::Value& event, bool withoutMetaDt) {
    std::string out = "{";
    bool first = true;
    for (auto m = event.MemberBegin(); m != event.MemberEnd(); ++m) {
        const std::string_view name = view(m->name);
        if (name == "mediawiki_signature") continue;
        if (!first) out += ',';
        first = false;
        json::appendString(out, name);
        out += ':';
        if (withoutMetaDt && name == "meta" && m->value.IsObject()) {
            out += '{';
            bool firstMeta = true;
            for (auto mm = m->value.MemberBegin(); mm != m->value.MemberEnd(); ++mm) {
                if (view(mm->name) == "dt") continue;
                if (!firstMeta) out += ',';
                firstMeta = false;
                json::appendString(out, view(mm->name));
                out += ':';
                json::encodeTo(out, mm->value);
            }
            out += '}';
        } else {
            json::encodeTo(out, m->value);
        }
    }
    out += '}';
    return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::string hmacSha1Hex(std::string_view key, std::string_view text) {
    Poco::HMACEngine<Poco::SHA1Engine> engine{std::string(key)};
    engine.update(text.data(), static_cast<unsigned>(text.size()));
    return Poco::DigestEngine::digestToHex(engine.digest());
}

bool hasMetaDt(const rapidjson::Value& event) {
    auto meta = event.FindMember("meta");
    return meta != event.MemberEnd() && meta->value.IsObject() && meta->value.HasMember("dt");
}

// Present and not null, as PHP's isset().
bool isSet(const rapidjson::Value& event, const char* name) {
    if (!event.IsObject()) return false;
    auto it = event.FindMember(name);
    return it != event.MemberEnd() && !it->value.IsNull();
}

struct CapturedReply {
    bool called = false;
    int status = 0;
    std::string body;
};

void captureReply(void* ctx, int status, const char* body, size_t len) {
    auto* captured = static_cast<CapturedReply*>(ctx);
    captured->called = true;
    captured->status = status;
    captured->body.assign(body ? body : "", body ? len : 0);
}

std::string quoted(std::string_view s) {
    std::string out;
    try {
        json::appendString(out, s);
    } catch (const json::EncodeError&) {
        json::appendString(out, json::replaceBinaryValue(s));
    }
    return out;
}

} // namespace

JobRunner::JobRunner(JobRunnerSettings settings, const JobExecutorRegistry& executors)
    : _settings(std::move(settings)), _executors(executors) {}

std::string JobRunner::errorBody(int status, std::string_view message, const std::string& extraMembers) {
    std::string out = "{\"message\":" + quoted(message);
    if (!extraMembers.empty()) out += "," + extraMembers;
    out += ",\"httpCode\":" + std::to_string(status) + ",\"httpReason\":" + quoted(reasonPhrase(status)) + "}";
    return out;
}

bool JobRunner::isStrictBase64(std::string_view payload) {
    size_t dataChars = 0;
    size_t padding = 0;
    for (char c : payload) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                              c == '/';
        if (!alphabet || padding > 0) return false;
        ++dataChars;
    }
    if (dataChars % 4 == 1) return false;
    return padding == 0 || (padding <= 2 && (dataChars + padding) % 4 == 0);
}

bool JobRunner::signatureMatches(const rapidjson::Value& event, std::string_view secret) {
    if (secret.empty() || !event.IsObject()) return false;
    auto sig = event.FindMember("mediawiki_signature");
    if (sig == event.MemberEnd() || !sig->value.IsString()) return false;
    const std::string_view received = view(sig->value);
    try {
        if (constantTimeEquals(received, hmacSha1Hex(secret, signedText(event, false)))) return true;
        return hasMetaDt(event) && constantTimeEquals(received, hmacSha1Hex(secret, signedText(event, true)));
    } catch (const json::EncodeError&) {
        // Invalid UTF-8: MediaWiki would have replaced it before verifying, which fails as well.
        return false;
    }
}

JobRunnerResponse JobRunner::handle(std::string_view method, std::string_view contentType,
                                    std::string_view body) const {
    if (method != "POST") return {405, errorBody(405, "Method not allowed")};
    if (body.empty()) return {411, errorBody(411, "A request body is required")};
    if (!isJsonMediaType(contentType))
        return {415, errorBody(415, "Unsupported Content-Type: " + std::string(contentType))};
    // A job event is shallow; a deeper body would only serve to exhaust this thread's stack.
    if (json::nestsDeeperThan(body, json::kMaxNesting))
        return {400, errorBody(400, "Malformed JSON body: nested deeper than " + std::to_string(json::kMaxNesting) +
                                        " levels")};
    rapidjson::Document event;
    event.Parse(body.data(), body.size());
    if (event.HasParseError() || !(event.IsObject() || event.IsArray())) {
        const std::string why = event.HasParseError() ? rapidjson::GetParseError_En(event.GetParseError())
                                                      : "the body is not a JSON object or array";
        return {400, errorBody(400, "Malformed JSON body: " + why)};
    }

    if (!_settings.enabled)
        return {501, errorBody(501, "Set $wgEventBusEnableRunJobAPI to true to enable the internal EventBus API")};
    if (_settings.readOnly) return {423, errorBody(423, "Wiki is in read-only mode.")};

    std::string missing;
    for (const char* field : {"database", "type", "params"}) {
        if (isSet(event, field)) continue;
        if (!missing.empty()) missing += ',';
        missing += std::string("\"") + field + "\"";
    }
    if (!missing.empty())
        return {400, errorBody(400, "Invalid event received", "\"missing_params\":[" + missing + "]")};

    if (!isSet(event, "mediawiki_signature")) return {403, errorBody(403, "Missing mediawiki signature")};
    if (!signatureMatches(event, _settings.secret)) {
        logger().warning("Refused a job event with an invalid mediawiki_signature (type %s)",
                         std::string(event["type"].IsString() ? view(event["type"]) : "?"));
        return {403, errorBody(403, "Invalid mediawiki signature")};
    }

    const rapidjson::Value& params = event["params"];
    if (params.IsObject()) {
        for (auto m = params.MemberBegin(); m != params.MemberEnd(); ++m) {
            if (!m->value.IsString()) continue;
            const std::string_view value = view(m->value);
            if (value.size() <= kBase64Prefix.size() || value.substr(0, kBase64Prefix.size()) != kBase64Prefix)
                continue;
            if (!isStrictBase64(value.substr(kBase64Prefix.size())))
                return {500, errorBody(500, "Parameter base64_decode() failed",
                                       "\"param_name\":" + quoted(view(m->name)) + ",\"param_value\":" + quoted(value))};
        }
    }
    return runJob(event, body);
}

JobRunnerResponse JobRunner::runJob(const rapidjson::Document& event, std::string_view body) const {
    const rapidjson::Value& type = event["type"];
    const std::string jobType = type.IsString() ? std::string(view(type)) : std::string();
    const auto executor = jobType.empty() ? JobExecutorRegistry::Executor{} : _executors.find(jobType);
    if (!executor) {
        const std::string why = jobType.empty() ? "the job type is not a string"
                                                : "no job executor is registered for type '" + jobType + "'";
        logger().error("Failed creating job from description: %s", why);
        return {400, errorBody(400, "Failed creating job from description", "\"error\":" + quoted(why))};
    }

    CapturedReply captured;
    const eb_job_reply reply{&captured, &captureReply};
    const auto started = std::chrono::steady_clock::now();
    int rc = EB_FAILED;
    try {
        rc = executor.fn(executor.user, body.data(), body.size(), &reply);
    } catch (const std::exception& e) {
        logger().error("Job executor for %s threw: %s", jobType, std::string(e.what()));
    } catch (...) {
        logger().error("Job executor for %s threw a non-standard exception", jobType);
    }
    const auto elapsedMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();

    if (captured.called) {
        if (!captured.body.empty()) return {captured.status, captured.body};
        if (captured.status >= 200 && captured.status < 300)
            return {captured.status, "{\"status\":true,\"error\":null,\"caught\":[],\"timeMs\":" +
                                         std::to_string(elapsedMs) + "}"};
        return {captured.status, errorBody(captured.status, reasonPhrase(captured.status))};
    }
    if (rc == EB_OK)
        return {200, "{\"status\":true,\"error\":null,\"caught\":[],\"timeMs\":" + std::to_string(elapsedMs) + "}"};
    return {500, errorBody(500, "Internal Server Error", "\"error\":\"the job executor failed without an answer\"")};
}

} // namespace eventbus
