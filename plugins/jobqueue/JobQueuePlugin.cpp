// plugins/jobqueue: MediaWiki job specifications over HTTP become mediawiki.job.<type> events
// (what JobQueueEventBus pushes). The decoding is JobSpecDecoder's; this file wires it to the host.
#include "JobSpecDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/plugin.hpp"

#include <sstream>

namespace eventbus {
namespace jobqueue {

namespace {

std::map<std::string, std::string> parseWikiDomains(const std::string& text) {
    std::map<std::string, std::string> domains;
    std::istringstream in(text);
    std::string entry;
    while (std::getline(in, entry, ',')) {
        const auto first = entry.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        const auto last = entry.find_last_not_of(" \t");
        entry = entry.substr(first, last - first + 1);
        const auto eq = entry.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size())
            throw ConfigError("wiki_domains: expected database=domain, got '" + entry + "'");
        domains[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return domains;
}

} // namespace

class JobQueuePlugin : public Plugin {
public:
    explicit JobQueuePlugin(Host& host) : Plugin(host), _decoder(settings(host)), _route(host.config("route")) {
        host.addHttpRoute("jobs", _route.c_str(), "POST", static_cast<size_t>(host.configInt("max_body_bytes")));
    }

    Status decode(const Input& in, Sink& out) override {
        JobRequestContext context;
        context.requestId = requestIdFrom(in.header("X-Request-Id"));
        context.dt = nowDt();
        JobDecodeResult result = _decoder.decode(in.data(), context);
        if (!result.ok()) return out.reject(result.reason.c_str(), result.error);
        for (const auto& event : result.events)
            if (!out.emit(EB_TYPE_JOB, event.stream, event.id, event.json)) return Status::Rejected;
        return Status::Ok;
    }

private:
    static JobQueueSettings settings(const Host& host) {
        JobQueueSettings s;
        s.secret = host.config("secret");
        s.serverName = host.config("server_name");
        s.wikiDomains = parseWikiDomains(host.config("wiki_domains"));
        s.defaultDatabase = host.config("default_database");
        return s;
    }

    JobSpecDecoder _decoder;
    std::string _route;
};

} // namespace jobqueue
} // namespace eventbus

static const eb_config_key kJobQueueKeys[] = {
    {"route", EB_CFG_STRING, "/eventbus/v0/jobs", "path of the job intake on the shared HTTP ingress server"},
    {"secret", EB_CFG_SECRET, nullptr, "MediaWiki's $wgSecretKey; signs every job (mediawiki_signature)"},
    {"server_name", EB_CFG_STRING, nullptr, "MediaWiki's $wgServerName: meta.domain of jobs of unlisted wikis"},
    {"wiki_domains", EB_CFG_STRING, "", "comma-separated database=domain pairs for meta.domain, e.g. enwiki=en.wikipedia.org"},
    {"default_database", EB_CFG_STRING, "", "database of job specifications that name none; empty: 'database' is required"},
    {"max_body_bytes", EB_CFG_INT, "4194304", "largest accepted request body in bytes"},
};

EVENTBUS_PLUGIN(eventbus::jobqueue::JobQueuePlugin, "jobqueue", "1.0.0",
                "MediaWiki job specifications over HTTP to mediawiki.job.<type> events (JobQueueEventBus)",
                kJobQueueKeys)
