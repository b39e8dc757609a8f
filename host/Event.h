// An event as the host carries it: serialized once by the plugin, never re-parsed on the way out.
#ifndef EVENTBUS_HOST_EVENT_H
#define EVENTBUS_HOST_EVENT_H

#include <cstdint>
#include <string>

namespace eventbus {

struct Event {
    std::string stream;   ///< meta.stream; the routing key
    int type = 1;         ///< one EB_TYPE_* bit
    std::string id;       ///< meta.id; matches EventGate's per-event failures
    std::string json;     ///< compact JSON, sent as-is
    std::string clientIp; ///< the ingress peer, for x-client-ip forwarding; may be empty
    std::string plugin;   ///< the plugin that emitted it, for metrics
    int64_t ingressUs = 0; ///< wall-clock microseconds at ingress, for delivery latency
};

} // namespace eventbus

#endif
