#include "PageChangeEventSerializer.h"

#include "JsonObject.h"

#include "eventbus/Envelope.h"

#include <stdexcept>

namespace eventbus {
namespace pagechange {

PageChangeEventSerializer::PageChangeEventSerializer(const WikiSettings& wiki, std::string stream)
    : _wiki(wiki), _stream(std::move(stream)), _users(wiki), _pages(wiki), _revisions(_users, kUserEntityVersion)
{
}

std::string PageChangeEventSerializer::changelogKind(const std::string& kind)
{
    if (kind == "create" || kind == "undelete") return "insert";
    if (kind == "edit" || kind == "move" || kind == "visibility_change") return "update";
    if (kind == "delete") return "delete";
    throw std::invalid_argument("unknown page_change_kind '" + kind + "'");
}

rapidjson::Value PageChangeEventSerializer::commonAttrs(const PageChange& change, const std::string& dt,
                                                       const std::optional<LinkTarget>& redirect,
                                                       rapidjson::Document::AllocatorType& alloc) const
{
    rapidjson::Value attrs(rapidjson::kObjectType);
    JsonObject out(attrs, alloc);
    out.str("changelog_kind", changelogKind(change.kind));
    out.str("page_change_kind", change.kind);
    out.str("dt", dt);
    out.str("wiki_id", change.page.wikiId.empty() ? _wiki.currentWikiId() : change.page.wikiId);

    rapidjson::Value page = _pages.toEntity(change.page, alloc, kPageEntityVersion);
    if (!change.page.wikibaseItemId.empty()) JsonObject(page, alloc).str("wikibase_item_id", change.page.wikibaseItemId);
    if (redirect) {
        rapidjson::Value link = _pages.toLinkEntity(*redirect, alloc);
        if (!redirect->wikibaseItemId.empty() && redirect->interwiki.empty())
            JsonObject(link, alloc).str("wikibase_item_id", redirect->wikibaseItemId);
        JsonObject(page, alloc).value("redirect_page_link", std::move(link));
    }
    out.value("page", std::move(page));

    if (change.performer)
        out.value("performer", _users.toEntityWithGlobalCount(*change.performer, alloc, kUserEntityVersion));
    if (change.comment) out.str("comment", *change.comment);
    out.value("revision", _revisions.toFullEntity(change.revision, alloc));
    return attrs;
}

rapidjson::Value PageChangeEventSerializer::revertAttrs(const EditResult& result,
                                                       rapidjson::Document::AllocatorType& alloc) const
{
    rapidjson::Value revert(rapidjson::kObjectType);
    JsonObject out(revert, alloc);
    if (!result.revertMethod.empty()) out.str("method", result.revertMethod);
    out.boolean("is_exact", result.isExactRevert);
    if (result.originalRevId) {
        out.integer("rev_original_id", *result.originalRevId);
        if (!result.originalRevDt.empty()) out.str("rev_original_dt", result.originalRevDt);
    }
    if (result.oldestRevertedRevId) out.integer("rev_reverted_oldest_id", *result.oldestRevertedRevId);
    if (result.newestRevertedRevId) out.integer("rev_reverted_newest_id", *result.newestRevertedRevId);
    return revert;
}

rapidjson::Value PageChangeEventSerializer::movedPageDifferences(const PageState& before, const PageState& after,
                                                                rapidjson::Document::AllocatorType& alloc) const
{
    // The extension compares the two entities as strings; each field has one JSON type, so
    // comparing the JSON values gives the same answer.
    rapidjson::Value old = _pages.toEntity(before, alloc, kPageEntityVersion);
    rapidjson::Value now = _pages.toEntity(after, alloc, kPageEntityVersion);
    rapidjson::Value differences(rapidjson::kObjectType);
    for (auto& m : old.GetObject()) {
        auto it = now.FindMember(m.name);
        if (it == now.MemberEnd() || it->value != m.value) differences.AddMember(m.name, m.value, alloc);
    }
    return differences;
}

rapidjson::Document PageChangeEventSerializer::toEvent(const PageChange& change) const
{
    rapidjson::Document attrsDoc(rapidjson::kObjectType);
    auto& alloc = attrsDoc.GetAllocator();
    const std::string& kind = change.kind;
    changelogKind(kind);

    const bool timedByRevision = kind == "create" || kind == "edit" || kind == "move";
    const std::string dt = timedByRevision ? change.revision.timestampDt
                                           : (change.eventDt.empty() ? nowDt() : change.eventDt);

    std::optional<LinkTarget> redirect = change.redirectTarget;
    if (kind == "delete" && redirect) redirect->pageId.reset();

    PageChange effective = change;
    if (kind == "delete" && change.isSuppressed) effective.performer.reset();

    rapidjson::Value attrs = commonAttrs(effective, dt, redirect, alloc);
    JsonObject out(attrs, alloc);
    rapidjson::Value& revision = attrs["revision"];
    rapidjson::Value& page = attrs["page"];
    rapidjson::Value prior(rapidjson::kObjectType);

    if (kind == "edit") {
        if (change.editResult && change.editResult->isRevert)
            JsonObject(revision, alloc).value("revert", revertAttrs(*change.editResult, alloc));
        if (change.parentRevision)
            JsonObject(prior, alloc).value("revision", _revisions.toFullEntity(*change.parentRevision, alloc));
    } else if (kind == "move") {
        if (change.createdRedirectPage)
            out.value("created_redirect_page", _pages.toEntity(*change.createdRedirectPage, alloc, kPageEntityVersion));
        if (change.pageBefore)
            JsonObject(prior, alloc).value("page", movedPageDifferences(*change.pageBefore, change.page, alloc));
        if (change.parentRevision)
            JsonObject(prior, alloc).value("revision", _revisions.toFullEntity(*change.parentRevision, alloc));
    } else if (kind == "delete") {
        if (change.archivedRevisionCount)
            JsonObject(page, alloc).integer("revision_count", *change.archivedRevisionCount);
        if (change.isSuppressed) {
            // EraseMember keeps the order of the remaining keys (RemoveMember would not).
            for (const char* hidden : {"rev_size", "rev_sha1", "comment", "editor", "content_slots"})
                revision.EraseMember(hidden);
            JsonObject(revision, alloc)
                .replace("is_content_visible", rapidjson::Value(false))
                .replace("is_editor_visible", rapidjson::Value(false))
                .replace("is_comment_visible", rapidjson::Value(false));
            JsonObject(prior, alloc)
                .value("revision", RevisionEntitySerializer::visibilityFlags(change.revision.visibility, alloc));
        }
    } else if (kind == "undelete") {
        if (change.oldPageId && *change.oldPageId != 0 && *change.oldPageId != change.page.id) {
            rapidjson::Value priorPage(rapidjson::kObjectType);
            JsonObject(priorPage, alloc).integer("page_id", *change.oldPageId);
            JsonObject(prior, alloc).value("page", std::move(priorPage));
        }
    } else if (kind == "visibility_change") {
        // Only the flags that changed; an object even when none did (the extension sent [] then).
        rapidjson::Value before = RevisionEntitySerializer::visibilityFlags(change.priorVisibility, alloc);
        rapidjson::Value changed(rapidjson::kObjectType);
        for (auto& m : before.GetObject())
            if (revision[m.name] != m.value) changed.AddMember(m.name, m.value, alloc);
        JsonObject(prior, alloc).value("revision", std::move(changed));
    }
    if (prior.MemberCount() > 0 || kind == "visibility_change") out.value("prior_state", std::move(prior));

    ModernMeta meta;
    meta.stream = _stream;
    meta.uri = _pages.canonicalPageUrl(change.page);
    meta.domain = _wiki.modernDomain();
    meta.dt = dt;
    meta.requestId = change.requestId;
    rapidjson::Document event;
    modernEnvelope(event, kSchema, meta, attrs);
    return event;
}

} // namespace pagechange
} // namespace eventbus
