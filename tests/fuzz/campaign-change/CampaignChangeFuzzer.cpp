// CentralNotice campaign-change hook arguments posted as JSON.
#include "CampaignChangeDecoder.h"

#include "eventbus/Url.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace eventbus::campaign;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const CampaignChangeDecoder decoder([] {
        CampaignChangeSettings s;
        s.database = "metawiki";
        s.serverName = "meta.wikimedia.org";
        s.campaignUrl = "https://meta.wikimedia.org/w/index.php?title=Special:CentralNotice&notice=$1";
        return s;
    }());
    static const CampaignRequestContext context{"ZoK3mAw4QQ8AAGR2kpUAAABK",
                                                [] { return std::string("2d6c0a1e-5b7f-4e8a-9c3d-4f5e6a7b8c9d"); }};
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    decoder.decode(body, context);
    eventbus::urlencode(body);
    return 0;
}
