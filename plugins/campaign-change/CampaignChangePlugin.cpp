// plugins/campaign-change: CentralNotice's CentralNoticeCampaignChange hook arguments, posted
// as JSON, become mediawiki.centralnotice.campaign-{create,change,delete} events.
// The decoding is CampaignChangeDecoder's; this file wires it to the host.
#include "CampaignChangeDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/plugin.hpp"

namespace eventbus {
namespace campaign {

class CampaignChangePlugin : public Plugin {
public:
    explicit CampaignChangePlugin(Host& host) : Plugin(host), _decoder(settings(host)), _route(host.config("route")) {
        host.addHttpRoute("campaign-change", _route.c_str(), "POST",
                          static_cast<size_t>(host.configInt("max_body_bytes")));
    }

    Status decode(const Input& in, Sink& out) override {
        CampaignRequestContext context;
        context.requestId = requestIdFrom(in.header("X-Request-Id"));
        const CampaignDecodeResult result = _decoder.decode(in.data(), context);
        if (!result.ok()) return out.reject(result.reason.c_str(), result.error);
        if (result.event && !out.emit(EB_TYPE_EVENT, result.event->stream, result.event->id, result.event->json))
            return Status::Rejected;
        return Status::Ok;
    }

private:
    static CampaignChangeSettings settings(const Host& host) {
        CampaignChangeSettings s;
        s.database = host.config("database");
        s.serverName = host.config("server_name");
        s.campaignUrl = host.config("campaign_url");
        if (s.database.empty() || s.serverName.empty())
            throw ConfigError("database and server_name must not be empty");
        s.createStream = host.resolveStream(s.createStream);
        s.changeStream = host.resolveStream(s.changeStream);
        s.deleteStream = host.resolveStream(s.deleteStream);
        return s;
    }

    CampaignChangeDecoder _decoder;
    std::string _route;
};

} // namespace campaign
} // namespace eventbus

static const eb_config_key kCampaignKeys[] = {
    {"route", EB_CFG_STRING, "/eventbus/v0/campaign-change", "path of the hook intake on the shared HTTP ingress server"},
    {"database", EB_CFG_STRING, nullptr, "$wgDBname of the wiki running CentralNotice: the events' database"},
    {"server_name", EB_CFG_STRING, nullptr, "$wgServerName of that wiki: the events' meta.domain"},
    {"campaign_url", EB_CFG_STRING, nullptr,
     "meta.uri of a campaign; $1 becomes the urlencoded campaign name, e.g. "
     "https://meta.wikimedia.org/w/index.php?title=Special:CentralNotice&subaction=noticeDetail&notice=$1"},
    {"max_body_bytes", EB_CFG_INT, "65536", "largest accepted request body in bytes"},
};

EVENTBUS_PLUGIN(eventbus::campaign::CampaignChangePlugin, "campaign-change", "1.0.0",
                "CentralNotice campaign changes (CentralNoticeCampaignChange hook) to campaign create/change/delete events",
                kCampaignKeys)
