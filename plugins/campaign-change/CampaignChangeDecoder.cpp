#include "CampaignChangeDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"
#include "eventbus/Url.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <utility>

namespace eventbus {
namespace campaign {

namespace {

using Allocator = rapidjson::Document::AllocatorType;

std::string_view view(const rapidjson::Value& s) { return {s.GetString(), s.GetStringLength()}; }

rapidjson::Value stringValue(std::string_view s, Allocator& alloc) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

// CentralNotice hands the hook null for empty settings; PHP's falsy empty array counts too.
bool isEmptySettings(const rapidjson::Value* v) {
    return !v || v->IsNull() || (v->IsObject() && v->MemberCount() == 0) || (v->IsArray() && v->Empty());
}

std::optional<std::string> timestampToDt(const rapidjson::Value& v) {
    if (v.IsString()) return toDt(view(v));
    if (v.IsInt64()) return toDt(std::to_string(v.GetInt64()));
    return std::nullopt;
}

class FieldError {
public:
    explicit FieldError(std::string message) : _message(std::move(message)) {}
    const std::string& message() const { return _message; }

private:
    std::string _message;
};

const rapidjson::Value& required(const rapidjson::Value& object, const std::string& path, const char* name) {
    const auto* v = member(object, name);
    if (!v) throw FieldError("missing field '" + path + name + "'");
    return *v;
}

std::string dtField(const rapidjson::Value& object, const std::string& path, const char* name) {
    auto dt = timestampToDt(required(object, path, name));
    if (!dt) throw FieldError("'" + path + name + "' is not a timestamp (YYYYMMDDHHMMSS, Unix seconds or ISO 8601)");
    return *dt;
}

bool boolField(const rapidjson::Value& object, const std::string& path, const char* name) {
    const auto& v = required(object, path, name);
    if (!v.IsBool()) throw FieldError("'" + path + name + "' must be true or false");
    return v.GetBool();
}

rapidjson::Value stringList(const rapidjson::Value& object, const std::string& path, const char* name,
                            bool nonEmptyItems, Allocator& alloc) {
    const auto& v = required(object, path, name);
    bool valid = v.IsArray();
    if (valid)
        for (const auto& item : v.GetArray())
            valid = valid && item.IsString() && (!nonEmptyItems || item.GetStringLength() > 0);
    if (!valid) throw FieldError("'" + path + name + "' must be a list of " + (nonEmptyItems ? "non-empty " : "") + "strings");
    return rapidjson::Value(v, alloc);
}

// settings(s) of the spec: start_dt, end_dt, enabled, archived, banners, in that order.
void addSettings(rapidjson::Value& target, const rapidjson::Value& settings, const std::string& path, Allocator& alloc) {
    if (!settings.IsObject()) throw FieldError("'" + path + "' must be an object or null");
    const std::string prefix = path + ".";
    target.AddMember("start_dt", stringValue(dtField(settings, prefix, "start"), alloc), alloc);
    target.AddMember("end_dt", stringValue(dtField(settings, prefix, "end"), alloc), alloc);
    target.AddMember("enabled", boolField(settings, prefix, "enabled"), alloc);
    target.AddMember("archived", boolField(settings, prefix, "archived"), alloc);
    target.AddMember("banners", stringList(settings, prefix, "banners", false, alloc), alloc);
}

// The prior state when the hook had no prior settings (PHP sent [], which the schemas refuse):
// a campaign that ran for no time, disabled, with no banners, at the time of the change.
void addUnknownPriorState(rapidjson::Value& target, const std::string& dt, Allocator& alloc) {
    target.AddMember("start_dt", stringValue(dt, alloc), alloc);
    target.AddMember("end_dt", stringValue(dt, alloc), alloc);
    target.AddMember("enabled", false, alloc);
    target.AddMember("archived", false, alloc);
    target.AddMember("banners", rapidjson::Value(rapidjson::kArrayType), alloc);
}

// The legacy performer fragment, from what the caller knew about the user.
rapidjson::Value performer(const rapidjson::Value& user, Allocator& alloc) {
    if (!user.IsObject()) throw FieldError("'user' must be an object");
    rapidjson::Value out(rapidjson::kObjectType);
    const auto& text = required(user, "user.", "user_text");
    if (!text.IsString() || text.GetStringLength() == 0) throw FieldError("'user.user_text' must be a non-empty string");
    out.AddMember("user_text", rapidjson::Value(text, alloc), alloc);
    out.AddMember("user_groups", stringList(user, "user.", "user_groups", true, alloc), alloc);
    out.AddMember("user_is_bot", boolField(user, "user.", "user_is_bot"), alloc);
    if (const auto* id = member(user, "user_id"); id && !id->IsNull()) {
        if (!id->IsInt64()) throw FieldError("'user.user_id' must be an integer");
        out.AddMember("user_id", id->GetInt64(), alloc);
    }
    if (const auto* registration = member(user, "user_registration_dt"); registration && !registration->IsNull())
        out.AddMember("user_registration_dt", stringValue(dtField(user, "user.", "user_registration_dt"), alloc), alloc);
    if (const auto* count = member(user, "user_edit_count"); count && !count->IsNull()) {
        if (!count->IsInt64() || count->GetInt64() < 0)
            throw FieldError("'user.user_edit_count' must be a non-negative integer");
        out.AddMember("user_edit_count", count->GetInt64(), alloc);
    }
    return out;
}

} // namespace

CampaignChangeDecoder::CampaignChangeDecoder(CampaignChangeSettings settings) : _settings(std::move(settings)) {}

CampaignDecodeResult CampaignChangeDecoder::decode(std::string_view body, const CampaignRequestContext& context) const {
    CampaignDecodeResult result;
    if (json::nestsDeeperThan(body, json::kMaxNesting)) {
        result.reason = "too_deep";
        result.error = "JSON nests deeper than " + std::to_string(json::kMaxNesting) + " levels";
        return result;
    }
    rapidjson::Document input;
    input.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
    if (input.HasParseError()) {
        result.reason = "malformed_json";
        result.error = std::string("body is not valid JSON: ") + rapidjson::GetParseError_En(input.GetParseError()) +
                       " at byte " + std::to_string(input.GetErrorOffset());
        return result;
    }
    if (!input.IsObject()) {
        result.reason = "invalid_hook_arguments";
        result.error = "body must be a JSON object of the hook's arguments";
        return result;
    }
    try {
        const auto& action = required(input, "", "action");
        if (!action.IsString()) throw FieldError("'action' must be a string");
        const std::string_view type = view(action);
        const char* schema = nullptr;
        const std::string* stream = nullptr;
        if (type == "created") {
            schema = "/mediawiki/centralnotice/campaign/create/1.0.0";
            stream = &_settings.createStream;
        } else if (type == "modified") {
            schema = "/mediawiki/centralnotice/campaign/change/1.0.0";
            stream = &_settings.changeStream;
        } else if (type == "removed") {
            schema = "/mediawiki/centralnotice/campaign/delete/1.0.0";
            stream = &_settings.deleteStream;
        } else {
            throw FieldError("Bad CentralNotice change type: " + std::string(type));
        }

        const auto& name = required(input, "", "campaignName");
        if (!name.IsString() || name.GetStringLength() == 0) throw FieldError("'campaignName' must be a non-empty string");
        std::string dt = nowDt();
        if (const auto* time = member(input, "time"); time && !time->IsNull()) dt = dtField(input, "", "time");
        const rapidjson::Value* begin = member(input, "beginSettings");
        const rapidjson::Value* end = member(input, "endSettings");
        std::string summary;
        if (const auto* s = member(input, "summary"); s && !s->IsNull()) {
            if (!s->IsString()) throw FieldError("'summary' must be a string");
            summary = view(*s);
        }
        std::string requestId = context.requestId;
        if (const auto* r = member(input, "requestId"); r && !r->IsNull()) {
            if (!r->IsString() || r->GetStringLength() == 0) throw FieldError("'requestId' must be a non-empty string");
            requestId = view(*r);
        }

        rapidjson::Document attrs;
        auto& alloc = attrs.GetAllocator();
        attrs.SetObject();
        attrs.AddMember("database", stringValue(_settings.database, alloc), alloc);
        attrs.AddMember("performer", performer(required(input, "", "user"), alloc), alloc);
        attrs.AddMember("campaign_name", rapidjson::Value(name, alloc), alloc);
        if (!summary.empty()) attrs.AddMember("summary", stringValue(summary, alloc), alloc);
        if (type != "removed") {
            // PHP skips creates and changes without new settings; checked after the common
            // fields so that a bad request is still reported.
            if (isEmptySettings(end)) return result;
            addSettings(attrs, *end, "endSettings", alloc);
        }
        if (type != "created") {
            rapidjson::Value prior(rapidjson::kObjectType);
            // CentralNotice never passes settings on removal; a caller that knows the last ones
            // may send them as either argument.
            const rapidjson::Value* known = !isEmptySettings(begin) ? begin : (type == "removed" && !isEmptySettings(end) ? end : nullptr);
            if (known)
                addSettings(prior, *known, known == begin ? "beginSettings" : "endSettings", alloc);
            else
                addUnknownPriorState(prior, dt, alloc);
            attrs.AddMember("prior_state", prior, alloc);
        }

        LegacyMeta meta;
        std::string uri = _settings.campaignUrl;
        const std::string encoded = eventbus::urlencode(view(name));
        for (auto at = uri.find("$1"); at != std::string::npos; at = uri.find("$1", at + encoded.size()))
            uri.replace(at, 2, encoded);
        meta.uri = uri;
        meta.requestId = requestId;
        meta.id = context.newId ? context.newId() : uuidV4();
        meta.domain = _settings.serverName;
        meta.stream = *stream;
        meta.dt = dt;
        rapidjson::Document event;
        legacyEnvelope(event, schema, meta, attrs);
        result.event = CampaignEvent{*stream, meta.id, json::encode(event)};
    } catch (const FieldError& e) {
        result.reason = "invalid_hook_arguments";
        result.error = e.message();
    }
    return result;
}

} // namespace campaign
} // namespace eventbus
