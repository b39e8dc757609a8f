#include "UserChangeEventSerializer.h"

#include "JsonObject.h"

#include "eventbus/Envelope.h"

#include <algorithm>
#include <stdexcept>

namespace eventbus {
namespace pagechange {

namespace {

void requireNamed(const UserState& user, const char* role)
{
    if (!user.isNamed())
        throw std::invalid_argument(std::string("user_change events should only emit information about named (real) "
                                                "user accounts. ")
                                    + role + " " + user.name + " is not a named user.");
}

std::vector<std::string> sorted(std::vector<std::string> groups)
{
    std::sort(groups.begin(), groups.end());
    return groups;
}

} // namespace

UserChangeEventSerializer::UserChangeEventSerializer(const WikiSettings& wiki, std::string stream)
    : _wiki(wiki), _stream(std::move(stream)), _users(wiki)
{
}

std::string UserChangeEventSerializer::changelogKind(const std::string& kind)
{
    if (kind == "create") return "insert";
    if (kind == "rename" || kind == "groups_change") return "update";
    throw std::invalid_argument("unknown user_change_kind '" + kind + "'");
}

rapidjson::Document UserChangeEventSerializer::toEvent(const UserChange& change) const
{
    const std::string changelog = changelogKind(change.kind);
    requireNamed(change.user, "User");
    if (change.performer) requireNamed(*change.performer, "Performer");

    rapidjson::Document attrsDoc(rapidjson::kObjectType);
    auto& alloc = attrsDoc.GetAllocator();
    const std::string dt = change.eventDt.empty() ? nowDt() : change.eventDt;

    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject out(attrs, alloc);
    out.str("changelog_kind", changelog);
    out.str("wiki_id", _wiki.currentWikiId());
    out.str("user_change_kind", change.kind);
    out.str("dt", dt);

    rapidjson::Value user = _users.toEntityWithGlobalCount(change.user, alloc, kUserEntityVersion);
    JsonObject userOut(user, alloc);
    // The extension wrote "now" for an unknown first registration; an absent field tells the truth.
    if (!change.user.firstRegistrationDt.empty()) userOut.str("first_registration_dt", change.user.firstRegistrationDt);
    std::string userName = change.user.name;
    rapidjson::Value prior(rapidjson::kObjectType);
    if (change.kind == "rename") {
        userName = change.newName;
        userOut.replace("user_text", rapidjson::Value(change.newName.c_str(), alloc));
        rapidjson::Value priorUser(rapidjson::kObjectType);
        JsonObject(priorUser, alloc).str("user_text", change.oldName);
        JsonObject(prior, alloc).value("user", std::move(priorUser));
    } else if (change.kind == "groups_change") {
        rapidjson::Value groups(rapidjson::kArrayType);
        for (const auto& g : sorted(change.groups)) groups.PushBack(rapidjson::Value(g.c_str(), alloc), alloc);
        userOut.replace("groups", std::move(groups));
        rapidjson::Value priorUser(rapidjson::kObjectType);
        JsonObject(priorUser, alloc).strings("groups", sorted(change.priorGroups));
        JsonObject(prior, alloc).value("user", std::move(priorUser));
    }
    out.value("user", std::move(user));
    if (change.comment) out.str("comment", *change.comment);
    if (change.performer)
        out.value("performer", _users.toEntityWithGlobalCount(*change.performer, alloc, kUserEntityVersion));
    if (change.kind == "create") out.boolean("is_autocreate", change.isAutocreate);
    if (prior.MemberCount() > 0) out.value("prior_state", std::move(prior));

    ModernMeta meta;
    meta.stream = _stream;
    meta.uri = change.user.isForeign() ? _wiki.foreignUserPageUrl(change.user.wikiId, userName)
                                       : _wiki.userPageUrl(userName);
    meta.domain = _wiki.modernDomain();
    meta.dt = dt;
    rapidjson::Document event;
    modernEnvelope(event, kSchema, meta, attrs);
    return event;
}

} // namespace pagechange
} // namespace eventbus
