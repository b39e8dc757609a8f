#include "RevisionEntitySerializer.h"

#include "JsonObject.h"

namespace eventbus {
namespace pagechange {

rapidjson::Value RevisionEntitySerializer::toEntity(const RevisionState& revision, Allocator& alloc) const
{
    rapidjson::Value entity(rapidjson::kObjectType);
    JsonObject out(entity, alloc);
    out.integer("rev_id", revision.id);
    out.str("rev_dt", revision.timestampDt);
    out.boolean("is_minor_edit", revision.minor);
    out.str("rev_sha1", revision.sha1);
    out.integer("rev_size", revision.size);
    if (revision.parentId) out.integer("rev_parent_id", *revision.parentId);
    if (revision.comment) out.str("comment", *revision.comment);
    rapidjson::Value flags = visibilityFlags(revision.visibility, alloc);
    for (auto& m : flags.GetObject()) entity.AddMember(m.name, m.value, alloc);
    return entity;
}

rapidjson::Value RevisionEntitySerializer::toFullEntity(const RevisionState& revision, Allocator& alloc) const
{
    rapidjson::Value entity = toEntity(revision, alloc);
    JsonObject out(entity, alloc);
    if (revision.user) out.value("editor", _users.toEntityWithGlobalCount(*revision.user, alloc, _userVersion));
    if (!revision.slots.empty()) out.value("content_slots", contentSlots(revision.slots, alloc));
    return entity;
}

rapidjson::Value RevisionEntitySerializer::contentSlots(const std::vector<SlotState>& slots, Allocator& alloc) const
{
    rapidjson::Value map(rapidjson::kObjectType);
    JsonObject byRole(map, alloc);
    for (const SlotState& slot : slots) {
        rapidjson::Value entity(rapidjson::kObjectType);
        JsonObject out(entity, alloc);
        out.str("slot_role", slot.role);
        out.str("content_model", slot.model);
        out.str("content_sha1", slot.sha1);
        out.integer("content_size", slot.size);
        std::string format = slot.format.empty() ? defaultFormat(slot.model) : slot.format;
        if (!format.empty()) out.str("content_format", format);
        if (slot.originRevId) out.integer("origin_rev_id", *slot.originRevId);
        byRole.valueAt(slot.role, std::move(entity));
    }
    return map;
}

rapidjson::Value RevisionEntitySerializer::visibilityFlags(int bits, Allocator& alloc)
{
    rapidjson::Value flags(rapidjson::kObjectType);
    JsonObject(flags, alloc)
        .boolean("is_content_visible", (bits & DELETED_TEXT) == 0)
        .boolean("is_editor_visible", (bits & DELETED_USER) == 0)
        .boolean("is_comment_visible", (bits & DELETED_COMMENT) == 0);
    return flags;
}

std::string RevisionEntitySerializer::defaultFormat(std::string_view model)
{
    // The default formats of the content handlers MediaWiki core and the common extensions ship.
    if (model == "wikitext") return "text/x-wiki";
    if (model == "text" || model == "Scribunto") return "text/plain";
    if (model == "javascript") return "text/javascript";
    if (model == "css" || model == "sanitized-css") return "text/css";
    if (model == "json" || model == "wikibase-item" || model == "wikibase-property") return "application/json";
    return "";
}

} // namespace pagechange
} // namespace eventbus
