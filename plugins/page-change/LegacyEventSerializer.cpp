#include "LegacyEventSerializer.h"

#include "JsonObject.h"
#include "RevisionEntitySerializer.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"
#include "eventbus/Url.h"

#include <algorithm>

namespace eventbus {
namespace pagechange {

namespace {

const SlotState* mainSlot(const RevisionState& revision)
{
    for (const SlotState& slot : revision.slots)
        if (slot.role == "main") return &slot;
    return nullptr;
}

rapidjson::Value copyOf(const rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc)
{
    return rapidjson::Value(v, alloc);
}

rapidjson::Value linkList(const std::vector<std::string>& internal, const std::vector<std::string>& external,
                          const LegacyEventSerializer& serializer, rapidjson::Document::AllocatorType& alloc)
{
    rapidjson::Value list(rapidjson::kArrayType);
    auto push = [&](const std::string& link, bool isExternal) {
        rapidjson::Value item(rapidjson::kObjectType);
        JsonObject(item, alloc).str("link", link).boolean("external", isExternal);
        list.PushBack(item, alloc);
    };
    for (const auto& title : internal) push(serializer.internalLinkUrl(title), false);
    for (const auto& url : external) push(wfUrlencode(url), true);
    return list;
}

} // namespace

LegacyEventSerializer::LegacyEventSerializer(const WikiSettings& wiki, std::string requestId, std::string eventDt)
    : _wiki(wiki), _requestId(std::move(requestId)), _eventDt(std::move(eventDt))
{
}

rapidjson::Value LegacyEventSerializer::performerAttrs(const UserState& user, Allocator& alloc)
{
    rapidjson::Value performer(rapidjson::kObjectType);
    JsonObject out(performer, alloc);
    out.str("user_text", user.name);
    out.strings("user_groups", user.groups);
    out.boolean("user_is_bot", user.isRegistered() && user.isBot);
    if (user.id != 0) out.integer("user_id", user.id);
    if (!user.registrationDt.empty()) out.str("user_registration_dt", user.registrationDt);
    if (user.isRegistered() && user.editCount) out.integer("user_edit_count", *user.editCount);
    return performer;
}

rapidjson::Value LegacyEventSerializer::visibilityAttrs(int bits, Allocator& alloc)
{
    rapidjson::Value visibility(rapidjson::kObjectType);
    JsonObject(visibility, alloc)
        .boolean("text", (bits & DELETED_TEXT) == 0)
        .boolean("user", (bits & DELETED_USER) == 0)
        .boolean("comment", (bits & DELETED_COMMENT) == 0);
    return visibility;
}

std::vector<std::string> LegacyEventSerializer::mergedTags(const std::vector<std::string>& prevTags,
                                                           const std::vector<std::string>& addedTags,
                                                           const std::vector<std::string>& removedTags)
{
    std::vector<std::string> tags;
    auto contains = [](const std::vector<std::string>& list, const std::string& tag) {
        return std::find(list.begin(), list.end(), tag) != list.end();
    };
    for (const auto* source : {&prevTags, &addedTags})
        for (const auto& tag : *source)
            if (!contains(removedTags, tag) && !contains(tags, tag)) tags.push_back(tag);
    return tags;
}

std::string LegacyEventSerializer::internalLinkUrl(const std::string& prefixedDbKey) const
{
    // The extension ran wfUrlencode over the already encoded local URL, turning "%3F" into
    // "%253F"; the path is encoded once here, which is what the link really is.
    return _wiki.localUrlPath(prefixedDbKey);
}

rapidjson::Value LegacyEventSerializer::pageAttrs(const PageState& page, Allocator& alloc,
                                                  const UserState* performer) const
{
    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject out(attrs, alloc);
    out.str("database", _wiki.database);
    // The extension put the performer second in the events that always have one.
    if (performer) out.value("performer", performerAttrs(*performer, alloc));
    out.integer("page_id", page.id)
        .str("page_title", page.title)
        .integer("page_namespace", page.namespaceId)
        .boolean("page_is_redirect", page.isRedirect);
    return attrs;
}

rapidjson::Value LegacyEventSerializer::revisionAttrs(const PageState& page, const RevisionState& revision,
                                                      const std::optional<UserState>& performer,
                                                      Allocator& alloc) const
{
    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject out(attrs, alloc);
    out.str("database", _wiki.database);
    out.integer("page_id", page.id);
    out.str("page_title", page.title);
    out.integer("page_namespace", page.namespaceId);
    out.integer("rev_id", revision.id);
    out.str("rev_timestamp", revision.timestampDt);
    out.str("rev_sha1", revision.sha1);
    out.boolean("rev_minor_edit", revision.minor);
    out.integer("rev_len", revision.size);
    if (const SlotState* main = mainSlot(revision)) {
        out.str("rev_content_model", main->model);
        std::string format = main->format.empty() ? RevisionEntitySerializer::defaultFormat(main->model) : main->format;
        if (!format.empty()) out.str("rev_content_format", format);
    }
    if (performer) out.value("performer", performerAttrs(*performer, alloc));
    out.boolean("page_is_redirect", revision.contentIsRedirect);
    if (revision.comment && !revision.comment->empty()) {
        out.str("comment", *revision.comment);
        if (!revision.parsedComment.empty()) out.str("parsedcomment", revision.parsedComment);
    }
    if (revision.parentId && *revision.parentId > 0) out.integer("rev_parent_id", *revision.parentId);
    return attrs;
}

rapidjson::Value LegacyEventSerializer::blockAttrs(const BlockState& block, Allocator& alloc) const
{
    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject out(attrs, alloc);
    out.boolean("name", block.hideName);
    out.boolean("email", block.emailBlocked);
    out.boolean("user_talk", !block.usertalkEditAllowed);
    out.boolean("account_create", block.createAccountBlocked);
    out.boolean("sitewide", block.sitewide);
    rapidjson::Value restrictions(rapidjson::kArrayType);
    for (const BlockRestriction& r : block.restrictions) {
        rapidjson::Value item(rapidjson::kObjectType);
        JsonObject(item, alloc).str("type", r.type).integer("value", r.value);
        restrictions.PushBack(item, alloc);
    }
    out.value("restrictions", std::move(restrictions));
    if (!block.expiryDt.empty()) out.str("expiry_dt", block.expiryDt);
    return attrs;
}

rapidjson::Document LegacyEventSerializer::envelope(const char* schema, const std::string& stream,
                                                    const std::string& uri, const rapidjson::Value& attrs,
                                                    const std::string& dt) const
{
    LegacyMeta meta;
    meta.uri = uri;
    meta.requestId = _requestId;
    meta.domain = _wiki.legacyDomain();
    meta.stream = stream;
    meta.dt = dt.empty() ? _eventDt : dt;
    rapidjson::Document event;
    legacyEnvelope(event, schema, meta, attrs);
    return event;
}

rapidjson::Document LegacyEventSerializer::revisionCreate(const std::string& stream, const PageState& page,
                                                          const RevisionState& revision) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs = revisionAttrs(page, revision, revision.user, alloc);
    JsonObject out(attrs, alloc);
    out.str("dt", revision.timestampDt);
    rapidjson::Value slots(rapidjson::kObjectType);
    for (const SlotState& slot : revision.slots) {
        rapidjson::Value item(rapidjson::kObjectType);
        JsonObject s(item, alloc);
        s.str("rev_slot_content_model", slot.model).str("rev_slot_sha1", slot.sha1).integer("rev_slot_size", slot.size);
        if (slot.originRevId) s.integer("rev_slot_origin_rev_id", *slot.originRevId);
        JsonObject(slots, alloc).valueAt(slot.role, std::move(item));
    }
    out.value("rev_slots", std::move(slots));
    if (revision.parentId && *revision.parentId != 0 && revision.parentSha1)
        out.boolean("rev_content_changed", *revision.parentSha1 != revision.sha1);
    return envelope("/mediawiki/revision/create/2.0.0", stream, _wiki.articleUrl(page.title), attrs,
                    revision.timestampDt);
}

rapidjson::Document LegacyEventSerializer::resourceChange(const PageState& page,
                                                          const std::vector<std::string>& tags) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject(attrs, scratch.GetAllocator()).strings("tags", tags);
    return envelope("/resource_change/1.0.0", "resource_change", _wiki.articleUrl(page.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::pageDelete(const std::string& stream, const PageState& page,
                                                      const std::optional<UserState>& performer,
                                                      std::optional<int64_t> revId, std::optional<int64_t> revCount,
                                                      const std::string& reason,
                                                      const std::string& parsedReason) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs = pageAttrs(page, alloc);
    JsonObject out(attrs, alloc);
    if (performer) out.value("performer", performerAttrs(*performer, alloc));
    if (revId) out.integer("rev_id", *revId);
    if (revCount) out.integer("rev_count", *revCount);
    if (!reason.empty()) {
        out.str("comment", reason);
        if (!parsedReason.empty()) out.str("parsedcomment", parsedReason);
    }
    return envelope("/mediawiki/page/delete/1.0.0", stream, _wiki.articleUrl(page.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::pageUndelete(const PageState& page, const UserState& performer,
                                                        std::optional<int64_t> revId,
                                                        std::optional<int64_t> oldPageId, const std::string& reason,
                                                        const std::string& parsedReason) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs = pageAttrs(page, alloc, &performer);
    JsonObject out(attrs, alloc);
    if (revId) out.integer("rev_id", *revId);
    if (oldPageId && *oldPageId != 0 && *oldPageId != page.id) {
        rapidjson::Value prior(rapidjson::kObjectType);
        JsonObject(prior, alloc).integer("page_id", *oldPageId);
        out.value("prior_state", std::move(prior));
    }
    if (!reason.empty()) {
        out.str("comment", reason);
        if (!parsedReason.empty()) out.str("parsedcomment", parsedReason);
    }
    return envelope("/mediawiki/page/undelete/1.0.0", "mediawiki.page-undelete", _wiki.articleUrl(page.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::pageMove(const LinkTarget& oldTitle, const LinkTarget& newTitle,
                                                    const RevisionState& revision, int64_t pageId,
                                                    const UserState& performer, const std::string& reason,
                                                    const std::string& parsedReason,
                                                    const std::optional<PageState>& redirectPage) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject out(attrs, alloc);
    out.str("database", _wiki.database);
    out.value("performer", performerAttrs(performer, alloc));
    out.integer("page_id", pageId);
    out.str("page_title", newTitle.title);
    out.integer("page_namespace", newTitle.namespaceId);
    out.boolean("page_is_redirect", revision.contentIsRedirect);
    out.integer("rev_id", revision.id);
    rapidjson::Value prior(rapidjson::kObjectType);
    JsonObject priorOut(prior, alloc);
    priorOut.str("page_title", oldTitle.title).integer("page_namespace", oldTitle.namespaceId);
    if (revision.parentId) priorOut.integer("rev_id", *revision.parentId);
    out.value("prior_state", std::move(prior));
    if (redirectPage && redirectPage->id != 0) {
        rapidjson::Value redirect(rapidjson::kObjectType);
        JsonObject r(redirect, alloc);
        r.integer("page_id", redirectPage->id).str("page_title", oldTitle.title).integer("page_namespace", oldTitle.namespaceId);
        if (redirectPage->latestRevId) r.integer("rev_id", *redirectPage->latestRevId);
        out.value("new_redirect_page", std::move(redirect));
    }
    if (!reason.empty()) {
        out.str("comment", reason);
        if (!parsedReason.empty()) out.str("parsedcomment", parsedReason);
    }
    return envelope("/mediawiki/page/move/1.0.0", "mediawiki.page-move", _wiki.articleUrl(newTitle.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::revisionVisibilityChange(const PageState& page,
                                                                    const RevisionState& revision,
                                                                    const std::optional<UserState>& performer,
                                                                    int oldBits, int newBits) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    // A suppression on either side must not reveal who did it.
    const bool restricted = ((oldBits | newBits) & DELETED_RESTRICTED) != 0;
    rapidjson::Value attrs = revisionAttrs(page, revision, restricted ? std::nullopt : performer, alloc);
    JsonObject out(attrs, alloc);
    out.value("visibility", visibilityAttrs(newBits, alloc));
    rapidjson::Value prior(rapidjson::kObjectType);
    JsonObject(prior, alloc).value("visibility", visibilityAttrs(oldBits, alloc));
    out.value("prior_state", std::move(prior));
    return envelope("/mediawiki/revision/visibility-change/1.0.0", "mediawiki.revision-visibility-change",
                    _wiki.articleUrl(page.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::userBlocksChange(const UserState& performer, const UserState& target,
                                                            const BlockState& block,
                                                            const std::optional<BlockState>& priorBlock) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject out(attrs, alloc);
    out.str("database", _wiki.database);
    out.value("performer", performerAttrs(performer, alloc));
    out.str("comment", block.reason);
    out.str("user_text", target.name);
    if (target.id != 0) {
        out.integer("user_id", target.id);
        out.strings("user_groups", target.groups);
    }
    out.value("blocks", blockAttrs(block, alloc));
    if (priorBlock) {
        rapidjson::Value prior(rapidjson::kObjectType);
        JsonObject(prior, alloc).value("blocks", blockAttrs(*priorBlock, alloc));
        out.value("prior_state", std::move(prior));
    }
    return envelope("/mediawiki/user/blocks-change/1.1.0", "mediawiki.user-blocks-change",
                    _wiki.userPageUrl(target.name), attrs, "");
}

rapidjson::Document LegacyEventSerializer::pagePropertiesChange(const PageState& page, std::optional<int64_t> revId,
                                                                const std::optional<UserState>& performer,
                                                                const rapidjson::Value& added,
                                                                const rapidjson::Value& removed) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs = pageAttrs(page, alloc);
    JsonObject out(attrs, alloc);
    if (revId) out.integer("rev_id", *revId);
    if (performer) out.value("performer", performerAttrs(*performer, alloc));
    auto properties = [&](const char* key, const rapidjson::Value& map) {
        if (!map.IsObject() || map.MemberCount() == 0) return;
        rapidjson::Value copy(rapidjson::kObjectType);
        for (const auto& m : map.GetObject()) {
            rapidjson::Value v = copyOf(m.value, alloc);
            if (v.IsString()) {
                std::string replaced = json::replaceBinaryValue(std::string_view(v.GetString(), v.GetStringLength()));
                v.SetString(replaced.c_str(), static_cast<rapidjson::SizeType>(replaced.size()), alloc);
            }
            copy.AddMember(copyOf(m.name, alloc), v, alloc);
        }
        out.value(key, std::move(copy));
    };
    properties("added_properties", added);
    properties("removed_properties", removed);
    return envelope("/mediawiki/page/properties-change/1.0.0", "mediawiki.page-properties-change",
                    _wiki.articleUrl(page.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::pageLinksChange(const PageState& page, std::optional<int64_t> revId,
                                                           const std::optional<UserState>& performer,
                                                           const std::vector<std::string>& addedLinks,
                                                           const std::vector<std::string>& addedExternalLinks,
                                                           const std::vector<std::string>& removedLinks,
                                                           const std::vector<std::string>& removedExternalLinks) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs = pageAttrs(page, alloc);
    JsonObject out(attrs, alloc);
    if (revId) out.integer("rev_id", *revId);
    if (performer) out.value("performer", performerAttrs(*performer, alloc));
    if (!addedLinks.empty() || !addedExternalLinks.empty())
        out.value("added_links", linkList(addedLinks, addedExternalLinks, *this, alloc));
    if (!removedLinks.empty() || !removedExternalLinks.empty())
        out.value("removed_links", linkList(removedLinks, removedExternalLinks, *this, alloc));
    return envelope("/mediawiki/page/links-change/1.0.0", "mediawiki.page-links-change",
                    _wiki.articleUrl(page.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::pageRestrictionsChange(const PageState& page, const UserState& performer,
                                                                  const std::string& reason,
                                                                  const rapidjson::Value& restrictions,
                                                                  std::optional<int64_t> revId) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs = pageAttrs(page, alloc, &performer);
    JsonObject out(attrs, alloc);
    out.str("reason", reason);
    out.value("page_restrictions", copyOf(restrictions, alloc));
    if (revId) out.integer("rev_id", *revId);
    return envelope("/mediawiki/page/restrictions-change/2.0.0", "mediawiki.page-restrictions-change",
                    _wiki.articleUrl(page.title), attrs, "");
}

rapidjson::Document LegacyEventSerializer::revisionTagsChange(const PageState& page, const RevisionState& revision,
                                                              const std::optional<UserState>& performer,
                                                              const std::vector<std::string>& prevTags,
                                                              const std::vector<std::string>& addedTags,
                                                              const std::vector<std::string>& removedTags) const
{
    rapidjson::Document scratch(rapidjson::kObjectType);
    auto& alloc = scratch.GetAllocator();
    rapidjson::Value attrs = revisionAttrs(page, revision, performer, alloc);
    JsonObject out(attrs, alloc);
    out.strings("tags", mergedTags(prevTags, addedTags, removedTags));
    rapidjson::Value prior(rapidjson::kObjectType);
    JsonObject(prior, alloc).strings("tags", prevTags);
    out.value("prior_state", std::move(prior));
    return envelope("/mediawiki/revision/tags-change/1.0.0", "mediawiki.revision-tags-change",
                    _wiki.articleUrl(page.title), attrs, "");
}

} // namespace pagechange
} // namespace eventbus
