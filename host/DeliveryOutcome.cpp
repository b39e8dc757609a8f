#include "DeliveryOutcome.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <unordered_map>

namespace eventbus {

namespace {

const std::string VALUE_UNKNOWN = "__value_unknown__";

std::string memberString(const rapidjson::Value& object, const char* name)
{
    if (!object.IsObject())
        return {};
    auto member = object.FindMember(name);
    if (member == object.MemberEnd() || !member->value.IsString())
        return {};
    return std::string(member->value.GetString(), member->value.GetStringLength());
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name)
{
    if (!object.IsObject())
        return nullptr;
    auto found = object.FindMember(name);
    return found == object.MemberEnd() ? nullptr : &found->value;
}

/// EventGate's explanation of one failure entry.
std::string failureText(const rapidjson::Value& entry, const std::string& kind)
{
    const rapidjson::Value* context = member(entry, "context");
    if (context) {
        std::string text = memberString(*context, "errorsText");
        if (text.empty())
            text = memberString(*context, "message");
        if (!text.empty())
            return text;
    }
    return kind;
}

} // namespace

DeliveryOutcome::DeliveryOutcome(const SendResponse& response, const std::vector<StoredEvent>& events)
    : _judgements(events.size())
{
    int status = response.status;
    _summary = status == 0 ? response.reason : std::to_string(status) + ": " + response.reason;
    std::string statusReason = std::to_string(status) + ": " + response.reason;

    if (status >= 200 && status < 300 && status != 207) {
        setAll(Verdict::Delivered, {}, {});
    } else if (status == 207) {
        setAll(Verdict::Delivered, {}, {});
        if (!applyEntries(response.body, events, status))
            setAll(Verdict::Retry, {}, {}); // failures we cannot attribute: resend all (duplicates allowed)
    } else if (status == 400) {
        setAll(Verdict::DeadLetter, statusReason, "rejected");
        applyEntries(response.body, events, status);
    } else if (status == 500) {
        setAll(Verdict::Retry, {}, {});
        applyEntries(response.body, events, status);
    } else {
        setAll(Verdict::Retry, {}, {});
    }
}

void DeliveryOutcome::setAll(Verdict verdict, const std::string& reason, const std::string& category)
{
    for (Judgement& judgement : _judgements)
        judgement = Judgement{verdict, reason, category};
}

bool DeliveryOutcome::applyEntries(const std::string& body, const std::vector<StoredEvent>& events, int status)
{
    rapidjson::Document document;
    // Iterative: a deeply nested answer must not exhaust the stack.
    document.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (document.HasParseError() || !document.IsObject())
        return false;
    const rapidjson::Value* invalid = member(document, "invalid");
    const rapidjson::Value* error = member(document, "error");
    // The problem object of a malformed or too large body has scalar values only.
    if (!(invalid && invalid->IsArray()) && !(error && error->IsArray()))
        return false;

    std::unordered_multimap<std::string, size_t> byId;
    for (size_t i = events.size(); i-- > 0;) {
        if (!events[i].event.id.empty())
            byId.emplace(events[i].event.id, i);
    }
    std::vector<bool> matched(events.size(), false);
    bool unmatchedEntry = false;
    for (const char* kind : {"invalid", "error"}) {
        const rapidjson::Value* entries = member(document, kind);
        if (!entries || !entries->IsArray())
            continue;
        for (const rapidjson::Value& entry : entries->GetArray()) {
            const rapidjson::Value* event = member(entry, "event");
            const rapidjson::Value* meta = event ? member(*event, "meta") : nullptr;
            std::string stream = meta ? memberString(*meta, "stream") : std::string();
            _listed.push_back({kind, stream.empty() ? VALUE_UNKNOWN : stream});
            std::string id = meta ? memberString(*meta, "id") : std::string();
            size_t index = events.size();
            auto range = byId.equal_range(id);
            for (auto it = range.first; it != range.second && !id.empty(); ++it) {
                if (!matched[it->second] && (index == events.size() || it->second < index))
                    index = it->second;
            }
            if (index == events.size()) {
                unmatchedEntry = true;
                continue;
            }
            matched[index] = true;
            if (std::string(kind) == "invalid")
                _judgements[index] = Judgement{Verdict::DeadLetter, failureText(entry, kind), "invalid"};
            else
                _judgements[index] = Judgement{Verdict::Retry, failureText(entry, kind), {}, status == 207};
        }
    }
    if (status == 207 && unmatchedEntry) {
        for (size_t i = 0; i < events.size(); ++i) {
            if (events[i].event.id.empty())
                _judgements[i] = Judgement{Verdict::Retry, {}, {}};
        }
    }
    return true;
}

DeliveryOutcome::Verdict DeliveryOutcome::verdict(size_t index) const
{
    return _judgements.at(index).verdict;
}

const std::string& DeliveryOutcome::reason(size_t index) const
{
    return _judgements.at(index).reason;
}

const std::string& DeliveryOutcome::category(size_t index) const
{
    return _judgements.at(index).category;
}

bool DeliveryOutcome::blamed(size_t index) const
{
    return _judgements.at(index).blamed;
}

const std::vector<DeliveryOutcome::ListedFailure>& DeliveryOutcome::listedFailures() const
{
    return _listed;
}

size_t DeliveryOutcome::count(Verdict verdict) const
{
    return static_cast<size_t>(std::count_if(_judgements.begin(), _judgements.end(),
        [verdict](const Judgement& judgement) { return judgement.verdict == verdict; }));
}

const std::string& DeliveryOutcome::summary() const
{
    return _summary;
}

} // namespace eventbus
