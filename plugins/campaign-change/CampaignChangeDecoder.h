// Turns the arguments of CentralNotice's CentralNoticeCampaignChange hook, posted as JSON, into
// mediawiki/centralnotice/campaign/{create,change,delete}/1.0.0 events as the PHP
// CampaignChangeHooks builds them (spec eventbus-behaviour.md section 6.5, input-wire-formats.md
// section 4), except that prior_state is always a schema-valid object, never PHP's [].
#ifndef EVENTBUS_CAMPAIGN_CAMPAIGNCHANGEDECODER_H
#define EVENTBUS_CAMPAIGN_CAMPAIGNCHANGEDECODER_H

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace eventbus {
namespace campaign {

struct CampaignChangeSettings {
    std::string database;    ///< $wgDBname of the wiki running CentralNotice
    std::string serverName;  ///< $wgServerName: meta.domain
    std::string campaignUrl; ///< meta.uri, "$1" replaced by the urlencoded campaign name
    std::string createStream = "mediawiki.centralnotice.campaign-create"; ///< after the stream-name map
    std::string changeStream = "mediawiki.centralnotice.campaign-change";
    std::string deleteStream = "mediawiki.centralnotice.campaign-delete";
};

struct CampaignRequestContext {
    std::string requestId;              ///< used when the body has no requestId
    std::function<std::string()> newId; ///< meta.id generator; empty: uuidV4
};

struct CampaignEvent {
    std::string stream;
    std::string id;
    std::string json;
};

struct CampaignDecodeResult {
    std::optional<CampaignEvent> event; ///< empty for a create or change without endSettings (PHP skips those)
    std::string reason;                 ///< metric label when rejected
    std::string error;                  ///< names the missing or wrong field
    bool ok() const { return error.empty(); }
};

class CampaignChangeDecoder {
public:
    explicit CampaignChangeDecoder(CampaignChangeSettings settings);

    CampaignDecodeResult decode(std::string_view body, const CampaignRequestContext& context) const;

private:
    CampaignChangeSettings _settings;
};

} // namespace campaign
} // namespace eventbus

#endif
