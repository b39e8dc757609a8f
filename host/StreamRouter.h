// Which event service a stream goes to (EventBusFactory::getEventServiceNameForStream), and the
// stream names map (StreamNameMapper).
#ifndef EVENTBUS_HOST_STREAMROUTER_H
#define EVENTBUS_HOST_STREAMROUTER_H

#include "DispatchSettings.h"

#include <mutex>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

namespace eventbus {

class StreamRouter {
public:
    /// The service of undeclared and disabled streams: it sends nothing (mask TYPE_NONE).
    static const std::string DISABLED_SERVICE;

    /// Checks the whole configuration up front so that --validate reports it: the default service
    /// and every service a stream names must exist in services with a url, and every /regex/ key
    /// must compile. Throws std::invalid_argument naming the problem.
    explicit StreamRouter(const DispatchSettings& settings);

    /// Without stream config: the default service for every stream. With it: the exact key first,
    /// then /regex/ keys in declaration order; an undeclared or disabled stream gets
    /// DISABLED_SERVICE; otherwise the stream's service, else its legacy
    /// destination_event_service, else the default service.
    std::string serviceFor(const std::string& stream) const;

    /// EventBusStreamNamesMap: the configured name for a default stream name, else the name itself.
    std::string resolveName(const std::string& defaultName) const;

private:
    struct Rule {
        std::string key;
        std::regex pattern;
        std::string service; ///< already resolved; DISABLED_SERVICE for disabled streams
    };
    std::string lookup(const std::string& stream) const;

    bool _streamConfig;
    std::string _defaultService;
    std::unordered_map<std::string, std::string> _exact;
    std::vector<Rule> _patterns;
    std::map<std::string, std::string> _namesMap;
    mutable std::mutex _cacheMutex;
    mutable std::unordered_map<std::string, std::string> _cache; ///< regex results; bounded
};

} // namespace eventbus

#endif
