#include "StreamRouter.h"

#include <algorithm>
#include <stdexcept>

namespace eventbus {

const std::string StreamRouter::DISABLED_SERVICE = "_disabled_eventbus_";

namespace {

/// Stream names come from producers, so the memo of regex lookups must not grow without end.
const size_t MAX_CACHED_STREAMS = 10000;

std::string unknownServiceMessage(const std::string& service)
{
    return "Could not get EventBus instance for event service '" + service
        + "'. This event service name must exist in EventServices config with a url setting.";
}

bool isRegexKey(const std::string& key)
{
    return key.size() >= 2 && key.front() == '/' && key.find_last_of('/') > 0;
}

/// A PHP-style "/pattern/flags" key; only the i flag has a std::regex equivalent.
std::regex compileKey(const std::string& key)
{
    size_t close = key.find_last_of('/');
    std::string flags = key.substr(close + 1);
    auto options = std::regex::ECMAScript;
    for (char flag : flags) {
        if (flag != 'i')
            throw std::invalid_argument("stream key " + key + ": unsupported regex flag '" + flag + "'");
        options |= std::regex::icase;
    }
    try {
        return std::regex(key.substr(1, close - 1), options);
    } catch (const std::regex_error& e) {
        throw std::invalid_argument("stream key " + key + ": invalid regex: " + e.what());
    }
}

} // namespace

StreamRouter::StreamRouter(const DispatchSettings& settings)
    : _streamConfig(settings.streamConfig)
    , _defaultService(settings.defaultService)
    , _namesMap(settings.streamNamesMap)
{
    auto configured = [&](const std::string& name) {
        return std::any_of(settings.services.begin(), settings.services.end(),
            [&](const ServiceSettings& s) { return s.name == name && !s.url.empty(); });
    };
    if (!configured(_defaultService))
        throw std::invalid_argument("EventServiceDefault: " + unknownServiceMessage(_defaultService));
    if (!_streamConfig)
        return;
    for (const StreamSettings& stream : settings.streams) {
        std::string service = DISABLED_SERVICE;
        if (stream.enabled) {
            service = !stream.service.empty() ? stream.service
                : !stream.destinationEventService.empty() ? stream.destinationEventService
                : _defaultService;
            if (!configured(service))
                throw std::invalid_argument("stream " + stream.name + ": " + unknownServiceMessage(service));
        }
        if (isRegexKey(stream.name))
            _patterns.push_back({stream.name, compileKey(stream.name), service});
        else
            _exact.emplace(stream.name, service);
    }
}

std::string StreamRouter::serviceFor(const std::string& stream) const
{
    if (!_streamConfig)
        return _defaultService;
    auto exact = _exact.find(stream);
    if (exact != _exact.end())
        return exact->second;
    if (_patterns.empty())
        return DISABLED_SERVICE;
    {
        std::lock_guard<std::mutex> lock(_cacheMutex);
        auto cached = _cache.find(stream);
        if (cached != _cache.end())
            return cached->second;
    }
    std::string service = lookup(stream);
    std::lock_guard<std::mutex> lock(_cacheMutex);
    if (_cache.size() >= MAX_CACHED_STREAMS)
        _cache.clear();
    _cache.emplace(stream, service);
    return service;
}

std::string StreamRouter::lookup(const std::string& stream) const
{
    for (const Rule& rule : _patterns) {
        if (std::regex_search(stream, rule.pattern))
            return rule.service;
    }
    return DISABLED_SERVICE;
}

std::string StreamRouter::resolveName(const std::string& defaultName) const
{
    auto mapped = _namesMap.find(defaultName);
    return mapped == _namesMap.end() ? defaultName : mapped->second;
}

} // namespace eventbus
