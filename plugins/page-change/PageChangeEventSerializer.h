// mediawiki/page/change 1.11.0 (spec section 4.1): one event per page change, built from the
// facts of the domain event. Pure apart from meta.id (a fresh UUID) and "now" for a missing time.
#ifndef EVENTBUS_PAGECHANGE_PAGECHANGEEVENTSERIALIZER_H
#define EVENTBUS_PAGECHANGE_PAGECHANGEEVENTSERIALIZER_H

#include "MediaWikiState.h"
#include "PageEntitySerializer.h"
#include "RevisionEntitySerializer.h"
#include "UserEntitySerializer.h"
#include "WikiSettings.h"

#include <rapidjson/document.h>

#include <optional>
#include <string>

namespace eventbus {
namespace pagechange {

/// Everything one page_change event is built from. Which optional parts count depends on kind.
struct PageChange {
    std::string kind;                          ///< create, edit, move, delete, undelete, visibility_change
    PageState page;                            ///< the page after the change
    RevisionState revision;                    ///< the page's current revision (for delete: the deleted one)
    std::optional<RevisionState> parentRevision; ///< edit, move: the latest revision before the change
    std::optional<UserState> performer;
    std::optional<std::string> comment;        ///< move, delete, undelete: the reason
    std::string eventDt;                       ///< delete, undelete, visibility_change; empty: now
    std::optional<LinkTarget> redirectTarget;
    std::optional<EditResult> editResult;      ///< edit
    std::optional<PageState> pageBefore;       ///< move
    std::optional<PageState> createdRedirectPage; ///< move
    std::optional<int64_t> archivedRevisionCount; ///< delete
    bool isSuppressed = false;                 ///< delete
    std::optional<int64_t> oldPageId;          ///< undelete
    int priorVisibility = 0;                   ///< visibility_change
    std::string requestId;
};

class PageChangeEventSerializer {
public:
    static constexpr const char* kSchema = "/mediawiki/page/change/1.11.0";
    static constexpr const char* kUserEntityVersion = "1.3.0";
    static constexpr const char* kRevisionEntityVersion = "2.0.0";
    static constexpr const char* kRevisionSlotsVersion = "2.0.1";
    static constexpr const char* kPageLinkVersion = "1.0.0";
    static constexpr const char* kPageEntityVersion = "2.1.0";

    PageChangeEventSerializer(const WikiSettings& wiki, std::string stream);

    /// The whole event, $schema and meta last. Throws std::invalid_argument for an unknown kind.
    rapidjson::Document toEvent(const PageChange& change) const;

    /// insert, update or delete for a page_change_kind; throws std::invalid_argument otherwise.
    static std::string changelogKind(const std::string& pageChangeKind);

private:
    rapidjson::Value commonAttrs(const PageChange& change, const std::string& dt,
                                 const std::optional<LinkTarget>& redirect,
                                 rapidjson::Document::AllocatorType& alloc) const;
    rapidjson::Value revertAttrs(const EditResult& result, rapidjson::Document::AllocatorType& alloc) const;
    rapidjson::Value movedPageDifferences(const PageState& before, const PageState& after,
                                          rapidjson::Document::AllocatorType& alloc) const;

    const WikiSettings& _wiki;
    std::string _stream;
    UserEntitySerializer _users;
    PageEntitySerializer _pages;
    RevisionEntitySerializer _revisions;
};

} // namespace pagechange
} // namespace eventbus

#endif
