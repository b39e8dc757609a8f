// What the forwarder tells us about MediaWiki objects, after the input contract has checked it.
// These mirror the objects MediaWiki hands to its hooks (pages, revisions, users, link targets,
// blocks), reduced to the facts the events need. Every date is already in the event form
// "YYYY-MM-DDTHH:MM:SSZ" (spec section 0.2), every title is a prefixed DB key (section 0.4).
#ifndef EVENTBUS_PAGECHANGE_MEDIAWIKISTATE_H
#define EVENTBUS_PAGECHANGE_MEDIAWIKISTATE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eventbus {
namespace pagechange {

/// Revision visibility bits (spec section 0.6).
enum RevisionVisibility : int {
    DELETED_TEXT = 1,
    DELETED_COMMENT = 2,
    DELETED_USER = 4,
    DELETED_RESTRICTED = 8
};

struct UserState {
    std::string name;
    int64_t id = 0;                    ///< 0: anonymous, or no account on the user's wiki
    std::vector<std::string> groups;   ///< effective groups, e.g. ["*","user","autoconfirmed"]
    bool isTemp = false;
    bool isBot = false;                ///< the bot right; only meaningful when registered
    bool isSystem = false;
    std::optional<int64_t> editCount;
    std::string registrationDt;        ///< empty when unknown
    std::string firstRegistrationDt;   ///< empty when unknown (user_change only)
    std::string firstEditDt;           ///< empty when unknown
    int64_t centralId = 0;             ///< 0 when unknown
    std::optional<int64_t> editGlobalCount;
    std::string wikiId;                ///< empty for a local user; the foreign wiki id otherwise

    bool isRegistered() const { return id != 0; }
    bool isNamed() const { return id != 0 && !isTemp; }
    bool isForeign() const { return !wikiId.empty(); }
};

struct SlotState {
    std::string role;
    std::string model;
    std::string sha1;
    int64_t size = 0;
    std::string format;                ///< empty: the model's default format, if the model is known
    std::optional<int64_t> originRevId;
};

/// A revision as the public audience sees it: the parser drops the user and comment of a revision
/// whose visibility bits hide them, as MediaWiki's accessors do (spec section 0.6).
struct RevisionState {
    int64_t id = 0;
    std::string timestampDt;
    std::string sha1;
    int64_t size = 0;
    bool minor = false;
    std::optional<int64_t> parentId;
    std::optional<std::string> comment;
    std::string parsedComment;         ///< the comment rendered to HTML, when the forwarder sends it
    int visibility = 0;
    std::optional<UserState> user;
    std::vector<SlotState> slots;      ///< in role order as sent; "main" first by convention
    bool contentIsRedirect = false;    ///< false too when the content is hidden
    std::optional<std::string> parentSha1;
};

struct PageState {
    int64_t id = 0;
    std::string title;                 ///< prefixed DB key, e.g. "Talk:Foo_bar"
    int64_t namespaceId = 0;
    bool isRedirect = false;
    std::optional<int64_t> latestRevId;
    std::string wikibaseItemId;        ///< empty when unknown
    std::string wikiId;                ///< empty: the current wiki
};

/// A redirect target or link target (spec section 4.3).
struct LinkTarget {
    std::string title;                 ///< prefixed DB key without the interwiki prefix
    int64_t namespaceId = 0;
    std::string interwiki;
    std::optional<int64_t> pageId;     ///< the existing local page it points to
    bool isRedirect = false;
    std::string wikibaseItemId;
};

struct BlockRestriction {
    std::string type;                  ///< "page", "ns" or "action"
    int64_t value = 0;
};

struct BlockState {
    bool hideName = false;
    bool emailBlocked = false;
    bool usertalkEditAllowed = true;
    bool createAccountBlocked = false;
    bool sitewide = true;
    std::vector<BlockRestriction> restrictions;
    std::string expiryDt;              ///< empty for "infinity"
    std::string reason;
};

struct EditResult {
    bool isRevert = false;
    std::string revertMethod;          ///< "rollback", "undo", "manual" or empty when unknown
    bool isExactRevert = false;
    std::optional<int64_t> originalRevId;
    std::string originalRevDt;
    std::optional<int64_t> oldestRevertedRevId;
    std::optional<int64_t> newestRevertedRevId;
};

} // namespace pagechange
} // namespace eventbus

#endif
