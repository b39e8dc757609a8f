#include "UserEntitySerializer.h"

#include "JsonObject.h"
#include "SchemaVersion.h"

namespace eventbus {
namespace pagechange {

rapidjson::Value UserEntitySerializer::toEntity(const UserState& user, Allocator& alloc,
                                                const std::string& version) const
{
    rapidjson::Value entity(rapidjson::kObjectType);
    JsonObject out(entity, alloc);
    out.str("user_text", user.name);
    out.strings("groups", user.groups);
    out.boolean("is_temp", user.isTemp);
    if (schemaVersionAtLeast(version, "1.2.0"))
        out.str("wiki_id", user.isForeign() ? user.wikiId : _wiki.currentWikiId());
    if (schemaVersionAtLeast(version, "1.3.0") && user.isRegistered() && !user.firstEditDt.empty())
        out.str("first_edit_dt", user.firstEditDt);
    if (user.isRegistered()) {
        out.integer("user_id", user.id);
        if (user.editCount) out.integer("edit_count", *user.editCount);
    }
    if (!user.registrationDt.empty()) out.str("registration_dt", user.registrationDt);
    if (user.centralId != 0) out.integer("user_central_id", user.centralId);
    if (!user.isForeign()) {
        out.boolean("is_bot", user.isRegistered() && user.isBot);
        out.boolean("is_system", user.isSystem);
    }
    return entity;
}

rapidjson::Value UserEntitySerializer::toEntityWithGlobalCount(const UserState& user, Allocator& alloc,
                                                               const std::string& version) const
{
    rapidjson::Value entity = toEntity(user, alloc, version);
    if (user.centralId != 0 && user.editGlobalCount)
        JsonObject(entity, alloc).integer("edit_global_count", *user.editGlobalCount);
    return entity;
}

} // namespace pagechange
} // namespace eventbus
