// What the dispatcher needs from the configuration, already parsed and checked by Config.
#ifndef EVENTBUS_HOST_DISPATCHSETTINGS_H
#define EVENTBUS_HOST_DISPATCHSETTINGS_H

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace eventbus {

/// One event service (EventServices entry). url is http(s)://... for EventGate or file:/path for
/// the embedded JSON-lines target.
struct ServiceSettings {
    std::string name;
    std::string url;
    double timeoutSeconds = 10;       ///< request timeout; the extension's default for 0/missing
    double connectTimeoutSeconds = 5;
    int connections = 2;              ///< keep-alive pool size = concurrent requests
    bool forwardClientIp = false;     ///< x_client_ip_forwarding_enabled
    bool hasty = false;               ///< append ?hasty=true (EventGate answers 202 before validating)
    size_t maxBatchBytes = 4194304;   ///< EventBusMaxBatchByteSize; never above EventGate's limit
    size_t maxBatchEvents = 1000;
    int lingerMs = 5;                 ///< how long a partial batch waits for more events (5 ms keeps p99 low)
    int backoffBaseMs = 100;          ///< first retry delay (before jitter)
    int backoffMaxMs = 30000;         ///< cap of the exponential backoff
    /// The url without user:password, for labels and logs: credentials never leave the config.
    std::string displayUrl() const
    {
        auto scheme = url.find("://");
        auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
        auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
        if (scheme == std::string::npos || at == std::string::npos || (slash != std::string::npos && at > slash))
            return url;
        return url.substr(0, scheme + 3) + url.substr(at + 1);
    }
    int maxEventErrors = 10;          ///< an event EventGate reports as `error` in this many 207
                                      ///< answers (others of the request accepted) is dead-lettered
                                      ///< instead of slowing its service down forever; 0: never
};

/// One stream configuration entry (EventStreamConfig). name is exact, or a regex written /.../.
struct StreamSettings {
    std::string name;
    std::string service; ///< producers.mediawiki_eventbus.event_service_name; empty: see below
    std::string destinationEventService; ///< legacy top-level key, used when service is empty;
                                         ///< when both are empty: the default service
    bool enabled = true; ///< producers.mediawiki_eventbus.enabled
};

struct DispatchSettings {
    std::string enable = "TYPE_ALL";     ///< EnableEventBus: "TYPE_A|TYPE_B" or an integer 0..7
    std::string defaultService;          ///< EventServiceDefault
    bool streamConfig = false;           ///< false: every stream goes to the default service
    std::vector<StreamSettings> streams; ///< in declaration order (regex keys are tried in order)
    std::map<std::string, std::string> streamNamesMap; ///< EventBusStreamNamesMap
    std::vector<ServiceSettings> services;
    std::string deadLetterPath;          ///< JSON lines of dead letters with their reason
    size_t memoryBudgetBytes = 256u << 20; ///< every queued, batched and in-flight copy counts
};

} // namespace eventbus

#endif
