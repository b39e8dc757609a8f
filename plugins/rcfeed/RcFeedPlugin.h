#ifndef EVENTBUS_RCFEED_RCFEEDPLUGIN_H
#define EVENTBUS_RCFEED_RCFEEDPLUGIN_H

#include "RcFeedDecoder.h"

#include "eventbus/plugin.hpp"

namespace eventbus {
namespace rcfeed {

/// The rcfeed plugin: a UDP listener for MediaWiki's $wgRCFeeds datagrams, decoded by RcFeedDecoder.
class RcFeedPlugin : public Plugin {
public:
    explicit RcFeedPlugin(Host& host);

    Status decode(const Input& in, Sink& out) override;

private:
    RcFeedDecoder _decoder;
};

} // namespace rcfeed
} // namespace eventbus

#endif
