// The input contract for the objects every route shares (user, revision, page, link target,
// block, edit result, wiki overrides): checks types and required fields, converts times and
// applies MediaWiki's public audience to revisions. See README.md for the field lists.
#ifndef EVENTBUS_PAGECHANGE_HOOKPAYLOADPARSER_H
#define EVENTBUS_PAGECHANGE_HOOKPAYLOADPARSER_H

#include "MediaWikiState.h"
#include "PayloadReader.h"
#include "WikiSettings.h"

#include <optional>
#include <string>
#include <vector>

namespace eventbus {
namespace pagechange {

class HookPayloadParser {
public:
    static UserState user(const PayloadReader& in);
    /// A user that may be absent, null or false (hooks pass false for "no performer").
    static std::optional<UserState> optUser(const PayloadReader& in, const char* key);
    static RevisionState revision(const PayloadReader& in);
    static std::optional<RevisionState> optRevision(const PayloadReader& in, const char* key);
    static PageState page(const PayloadReader& in);
    static LinkTarget linkTarget(const PayloadReader& in);
    static std::optional<LinkTarget> optLinkTarget(const PayloadReader& in, const char* key);
    static BlockState block(const PayloadReader& in);
    static EditResult editResult(const PayloadReader& in);
    /// Group names from a list of names or from an object keyed by group name (memberships).
    static std::vector<std::string> groupNames(const PayloadReader& in, const char* key);
    /// Applies the request's "wiki" object, if any, over the configured settings.
    static void applyWikiOverrides(const PayloadReader& body, WikiSettings& wiki);
    /// Drops what the visibility bits hide from the public: comment (2), user (4), and the
    /// redirect flag read from the content (1).
    static void applyPublicAudience(RevisionState& revision);
};

} // namespace pagechange
} // namespace eventbus

#endif
