// The page-change plugin: one HTTP route per MediaWiki hook or domain event on the host's shared
// ingress server. Everything it does is in PageChangeDecoder; this class only reads the
// configuration, declares the routes and hands the decoder's events to the host.
#include "PageChangeDecoder.h"
#include "WikiSettings.h"

#include "eventbus/plugin.hpp"

#include <memory>

namespace eventbus {
namespace pagechange {

class PageChangePlugin : public Plugin {
public:
    explicit PageChangePlugin(Host& host) : Plugin(host), _decoder(makeDecoder(host))
    {
        std::string prefix = host.config("route_prefix");
        while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
        if (prefix.empty() || prefix.front() != '/') throw ConfigError("route_prefix must start with '/'");
        const size_t maxBytes = static_cast<size_t>(host.configInt("max_body_bytes"));
        for (const std::string& name : PageChangeDecoder::routeNames()) {
            const std::string route = prefix + "/" + name;
            host.addHttpRoute(name.c_str(), route.c_str(), "POST", maxBytes);
        }
    }

    Status decode(const Input& in, Sink& out) override
    {
        DecodeResult result = _decoder.decode(in.listener(), in.data(), in.header("X-Request-Id"));
        if (!result.ok()) return out.reject(result.rejectReason.c_str(), result.rejectMessage);
        for (const EncodedEvent& event : result.events)
            if (!out.emit(event.type, event.stream, event.id, event.json)) return Status::Rejected;
        return Status::Ok;
    }

private:
    static PageChangeDecoder makeDecoder(Host& host)
    {
        WikiSettings wiki;
        wiki.serverName = host.config("server_name");
        wiki.canonicalServer = host.config("canonical_server");
        wiki.articlePath = host.config("article_path");
        if (wiki.articlePath.find("$1") == std::string::npos) throw ConfigError("article_path must contain $1");
        wiki.database = host.config("database");
        wiki.wikiId = host.config("wiki_id");
        wiki.domain = host.config("domain");
        wiki.userNamespace = host.config("user_namespace");
        try {
            wiki.contentNamespaces = WikiSettings::parseNamespaceList(host.config("content_namespaces"));
        } catch (const std::invalid_argument& e) {
            throw ConfigError(std::string("content_namespaces: ") + e.what());
        }
        return PageChangeDecoder(wiki, host.resolveStream("mediawiki.page_change.v1"),
                                 host.resolveStream("mediawiki.user_change.v1"));
    }

    PageChangeDecoder _decoder;
};

} // namespace pagechange
} // namespace eventbus

static const eb_config_key kPageChangeKeys[] = {
    {"route_prefix", EB_CFG_STRING, "/eventbus/v0", "path prefix of the routes on the shared HTTP ingress server"},
    {"max_body_bytes", EB_CFG_INT, "1048576", "largest accepted request body in bytes"},
    {"server_name", EB_CFG_STRING, "", "$wgServerName: meta.domain of legacy events (empty: host of canonical_server)"},
    {"canonical_server", EB_CFG_STRING, "", "$wgCanonicalServer, e.g. https://en.wikipedia.org (or per request)"},
    {"article_path", EB_CFG_STRING, "/wiki/$1", "$wgArticlePath; $1 is the URL-encoded title"},
    {"database", EB_CFG_STRING, "", "$wgDBname: the legacy 'database' field (or per request)"},
    {"wiki_id", EB_CFG_STRING, "", "the wiki id of page_change/user_change (empty: database)"},
    {"domain", EB_CFG_STRING, "", "WikiMap display name for meta.domain of page_change/user_change (empty: host of canonical_server)"},
    {"content_namespaces", EB_CFG_STRING, "0", "$wgContentNamespaces, comma-separated namespace ids"},
    {"user_namespace", EB_CFG_STRING, "User", "localized name of namespace 2, for user page URLs"},
};

EVENTBUS_PLUGIN(eventbus::pagechange::PageChangePlugin, "page-change", "1.0.0",
                "MediaWiki page, revision and user hooks over HTTP -> legacy EventBus streams, "
                "mediawiki.page_change.v1 and mediawiki.user_change.v1",
                kPageChangeKeys)
