// The wiki-level settings the PHP extension reads from MediaWiki's configuration and WikiMap
// (ServerName, CanonicalServer, ArticlePath, DB name, wiki id, content namespaces, the localized
// User namespace). The plugin configuration gives the defaults; a request may override them in
// its "wiki" object, so one daemon can serve a wiki farm through one forwarder.
#ifndef EVENTBUS_PAGECHANGE_WIKISETTINGS_H
#define EVENTBUS_PAGECHANGE_WIKISETTINGS_H

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus {
namespace pagechange {

/// A WikiMap entry of another wiki (used for foreign users in user_change events).
struct ForeignWiki {
    std::string canonicalServer;
    std::string articlePath = "/wiki/$1";
};

class WikiSettings {
public:
    std::string serverName;            ///< $wgServerName; empty: the host of canonicalServer
    std::string canonicalServer;       ///< $wgCanonicalServer, e.g. "https://en.wikipedia.org"
    std::string articlePath = "/wiki/$1";
    std::string database;              ///< $wgDBname: the legacy "database" field
    std::string wikiId;                ///< WikiMap::getCurrentWikiId(); empty: the database
    std::string domain;                ///< WikiMap display name; empty: the host of canonicalServer
    std::vector<int64_t> contentNamespaces{0};
    std::string userNamespace = "User"; ///< localized name of namespace 2
    std::map<std::string, ForeignWiki> wikiMap;

    /// meta.domain of legacy events: the server name.
    std::string legacyDomain() const;
    /// The wiki id used by page_change and user_change (falls back to the DB name).
    std::string currentWikiId() const;
    /// meta.domain of page_change and user_change; empty when neither domain nor server is known.
    std::string modernDomain() const;
    bool isContentNamespace(int64_t namespaceId) const;
    /// CanonicalServer + ArticlePath for a prefixed DB key (spec section 0.3).
    std::string articleUrl(std::string_view prefixedDbKey) const;
    /// ArticlePath alone for a prefixed DB key: the local URL path MediaWiki links to.
    std::string localUrlPath(std::string_view prefixedDbKey) const;
    /// The URL of User:<name> on this wiki, localized namespace, spaces as underscores.
    std::string userPageUrl(std::string_view userName) const;
    /// The URL of User:<name> on a foreign wiki of the WikiMap (English namespace name), or the
    /// local user page URL when the wiki is unknown, as the extension falls back.
    std::string foreignUserPageUrl(const std::string& wikiId, std::string_view userName) const;

    /// Parses "0, 14,100" into namespace ids; throws std::invalid_argument naming the bad item.
    static std::vector<int64_t> parseNamespaceList(std::string_view list);
    /// The host of a server URL ("https://en.wikipedia.org:443/x" -> "en.wikipedia.org").
    static std::string hostOf(std::string_view server);
};

} // namespace pagechange
} // namespace eventbus

#endif
