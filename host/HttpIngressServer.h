// An HTTP server of the host: the shared ingress server (routes of several plugins and the job
// runner) or a plugin's own server (every path to one listener, e.g. CDN PURGE requests).
// It enforces the body, header, connection and time limits before any plugin sees a byte:
// 413 over max_body_bytes, 431 over max_headers (Poco itself answers 400 above 100 fields), 415 for
// bodies that are neither JSON nor text, 408 for a body cut short by the read timeout, and
// connections beyond threads + max_connections closed unanswered (counted).
#ifndef EVENTBUS_HOST_HTTPINGRESSSERVER_H
#define EVENTBUS_HOST_HTTPINGRESSSERVER_H

#include "Config.h"
#include "IngressPipeline.h"

#include <Poco/Net/HTTPServer.h>
#include <Poco/Timer.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace eventbus {

class MetricsRegistry;

/// A host-owned endpoint (job runner, admin): gets method, content type and body, answers.
using HttpEndpoint = std::function<IngressAnswer(const std::string& method, const std::string& contentType,
                                                 const std::string& body)>;

class HttpIngressServer {
public:
    /// Binds address now (throws Poco::Exception on failure); serves after start().
    HttpIngressServer(const std::string& address, const HttpIngressSettings& limits, IngressPipeline& pipeline,
                      MetricsRegistry& metrics);
    ~HttpIngressServer();

    /// Routes may be added and removed while serving (reload); a request keeps the route it found.
    void addRoute(const std::string& path, std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec);
    void removeRoute(const std::string& path);
    /// Every request, whatever its path, goes to this listener.
    void setCatchAll(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec);
    void addEndpoint(const std::string& path, HttpEndpoint endpoint);
    void start();
    void stop();
    uint16_t port() const { return _port; }

    struct Route {
        std::shared_ptr<PluginInstance> plugin;
        ListenerSpec spec;
        HttpEndpoint endpoint;
    };
    /// The route for a request path (the catch-all on a plugin's own server), or null.
    std::shared_ptr<const Route> find(const std::string& path) const;

private:
    /// Poco's server only counts the connections it refuses; the count is copied into the metrics
    /// (eventbus_http_refused_connections_total) every second.
    void publishRefusals(Poco::Timer&);

    HttpIngressSettings _limits;
    IngressPipeline& _pipeline;
    MetricsRegistry& _metrics;
    mutable std::mutex _routesMutex;
    std::map<std::string, std::shared_ptr<const Route>> _routes;
    std::shared_ptr<const Route> _catchAll;
    std::mutex _serverMutex; ///< guards _server between stop() and the refusal timer
    std::unique_ptr<Poco::Net::HTTPServer> _server;
    uint16_t _port = 0;
    std::string _address;
    std::string _boundAddress;
    Poco::Timer _refusalTimer{0, 1000};
};

} // namespace eventbus

#endif
