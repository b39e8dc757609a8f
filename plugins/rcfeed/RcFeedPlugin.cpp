#include "RcFeedPlugin.h"

namespace eventbus {
namespace rcfeed {

namespace {

const eb_config_key kConfigKeys[] = {
    {"listen", EB_CFG_ADDRESS, "127.0.0.1:9390",
     "UDP address for the datagrams of $wgRCFeeds (uri => 'udp://HOST:PORT', JSONRCFeedFormatter)"},
    {"stream", EB_CFG_STRING, "mediawiki.recentchange",
     "stream of the recentchange events (then renamed by the stream-name map, if it lists it)"},
    {"article_path", EB_CFG_STRING, "/wiki/$1",
     "$wgArticlePath, for meta.uri of changes without title_url (MediaWiki older than 1.2x)"},
};

} // namespace

RcFeedPlugin::RcFeedPlugin(Host& host)
    : Plugin(host), _decoder(host.resolveStream(host.config("stream")), host.config("article_path")) {
    host.addUdp("udp", host.config("listen"), RcFeedDecoder::kMaxDatagramBytes);
}

Status RcFeedPlugin::decode(const Input& in, Sink& out) {
    const RcFeedDecoder::Result result = _decoder.decode(in.data());
    if (!result.ok()) return out.reject(result.reason, result.message);
    if (!out.emit(EB_TYPE_EVENT, _decoder.stream(), result.id(), result.json)) return Status::Rejected;
    return Status::Ok;
}

} // namespace rcfeed
} // namespace eventbus

EVENTBUS_PLUGIN(eventbus::rcfeed::RcFeedPlugin, "rcfeed", "1.0.0",
                "MediaWiki recent changes from the UDP RC feed ($wgRCFeeds) as mediawiki/recentchange events",
                eventbus::rcfeed::kConfigKeys)
