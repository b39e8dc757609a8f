// The events of the extension's deprecated EventFactory, as EventBusHooks sends them (spec
// sections 3.2 and 5.1): revision-create, resource_change, page delete/undelete/move, revision
// visibility and tags changes, page links/properties/restrictions changes and user blocks.
// Streams are passed in: the legacy hooks hard-code them and they are not renamed (section 3.1).
#ifndef EVENTBUS_PAGECHANGE_LEGACYEVENTSERIALIZER_H
#define EVENTBUS_PAGECHANGE_LEGACYEVENTSERIALIZER_H

#include "MediaWikiState.h"
#include "WikiSettings.h"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <vector>

namespace eventbus {
namespace pagechange {

class LegacyEventSerializer {
public:
    using Allocator = rapidjson::Document::AllocatorType;

    /// requestId goes into meta.request_id; eventDt (empty: now) into meta.dt of events that have
    /// no event time of their own.
    LegacyEventSerializer(const WikiSettings& wiki, std::string requestId, std::string eventDt);

    /// /mediawiki/revision/create/2.0.0; the performer is the revision's (visible) user.
    rapidjson::Document revisionCreate(const std::string& stream, const PageState& page,
                                       const RevisionState& revision) const;
    /// /resource_change/1.0.0 for the page's URL.
    rapidjson::Document resourceChange(const PageState& page, const std::vector<std::string>& tags) const;
    /// /mediawiki/page/delete/1.0.0 on mediawiki.page-delete or mediawiki.page-suppress.
    rapidjson::Document pageDelete(const std::string& stream, const PageState& page,
                                   const std::optional<UserState>& performer, std::optional<int64_t> revId,
                                   std::optional<int64_t> revCount, const std::string& reason,
                                   const std::string& parsedReason) const;
    /// /mediawiki/page/undelete/1.0.0.
    rapidjson::Document pageUndelete(const PageState& page, const UserState& performer, std::optional<int64_t> revId,
                                     std::optional<int64_t> oldPageId, const std::string& reason,
                                     const std::string& parsedReason) const;
    /// /mediawiki/page/move/1.0.0. redirectPage is the page left behind, when it was created.
    rapidjson::Document pageMove(const LinkTarget& oldTitle, const LinkTarget& newTitle, const RevisionState& revision,
                                 int64_t pageId, const UserState& performer, const std::string& reason,
                                 const std::string& parsedReason, const std::optional<PageState>& redirectPage) const;
    /// /mediawiki/revision/visibility-change/1.0.0 for one revision (revision.visibility = new bits).
    rapidjson::Document revisionVisibilityChange(const PageState& page, const RevisionState& revision,
                                                 const std::optional<UserState>& performer, int oldBits,
                                                 int newBits) const;
    /// /mediawiki/user/blocks-change/1.1.0.
    rapidjson::Document userBlocksChange(const UserState& performer, const UserState& target, const BlockState& block,
                                         const std::optional<BlockState>& priorBlock) const;
    /// /mediawiki/page/properties-change/1.0.0; the maps are copied, binary values replaced.
    rapidjson::Document pagePropertiesChange(const PageState& page, std::optional<int64_t> revId,
                                             const std::optional<UserState>& performer,
                                             const rapidjson::Value& added, const rapidjson::Value& removed) const;
    /// /mediawiki/page/links-change/1.0.0; internal links are titles (prefixed DB keys).
    rapidjson::Document pageLinksChange(const PageState& page, std::optional<int64_t> revId,
                                        const std::optional<UserState>& performer,
                                        const std::vector<std::string>& addedLinks,
                                        const std::vector<std::string>& addedExternalLinks,
                                        const std::vector<std::string>& removedLinks,
                                        const std::vector<std::string>& removedExternalLinks) const;
    /// /mediawiki/page/restrictions-change/2.0.0; restrictions copied unchanged.
    rapidjson::Document pageRestrictionsChange(const PageState& page, const UserState& performer,
                                               const std::string& reason, const rapidjson::Value& restrictions,
                                               std::optional<int64_t> revId) const;
    /// /mediawiki/revision/tags-change/1.0.0; tags = (prev + added) - removed, deduplicated.
    rapidjson::Document revisionTagsChange(const PageState& page, const RevisionState& revision,
                                           const std::optional<UserState>& performer,
                                           const std::vector<std::string>& prevTags,
                                           const std::vector<std::string>& addedTags,
                                           const std::vector<std::string>& removedTags) const;

    /// The legacy performer object (spec section 5.1).
    static rapidjson::Value performerAttrs(const UserState& user, Allocator& alloc);
    /// {text, user, comment}: true when that part is visible.
    static rapidjson::Value visibilityAttrs(int bits, Allocator& alloc);
    static std::vector<std::string> mergedTags(const std::vector<std::string>& prevTags,
                                               const std::vector<std::string>& addedTags,
                                               const std::vector<std::string>& removedTags);
    /// The link URL of links-change: the wiki's local URL path of the title, encoded once.
    std::string internalLinkUrl(const std::string& prefixedDbKey) const;

private:
    rapidjson::Value revisionAttrs(const PageState& page, const RevisionState& revision,
                                   const std::optional<UserState>& performer, Allocator& alloc) const;
    rapidjson::Value pageAttrs(const PageState& page, Allocator& alloc, const UserState* performer = nullptr) const;
    rapidjson::Value blockAttrs(const BlockState& block, Allocator& alloc) const;
    rapidjson::Document envelope(const char* schema, const std::string& stream, const std::string& uri,
                                 const rapidjson::Value& attrs, const std::string& dt) const;

    const WikiSettings& _wiki;
    std::string _requestId;
    std::string _eventDt;
};

} // namespace pagechange
} // namespace eventbus

#endif
