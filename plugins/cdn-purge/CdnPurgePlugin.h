#ifndef EVENTBUS_CDNPURGE_CDNPURGEPLUGIN_H
#define EVENTBUS_CDNPURGE_CDNPURGEPLUGIN_H

#include "PurgeRequestDecoder.h"

#include "eventbus/plugin.hpp"

namespace eventbus {
namespace cdnpurge {

/// The cdn-purge plugin: a UDP listener for HTCP CLR packets ($wgHTCPRouting), optionally joined to
/// a multicast group, and an HTTP server that MediaWiki can use as a CDN ($wgCdnServers). Both are
/// decoded by PurgeRequestDecoder into resource_change events of type EB_TYPE_PURGE.
class CdnPurgePlugin : public Plugin {
public:
    explicit CdnPurgePlugin(Host& host);

    Status decode(const Input& in, Sink& out) override;

private:
    PurgeRequestDecoder _decoder;
    std::string _multicastGroup;
};

} // namespace cdnpurge
} // namespace eventbus

#endif
