// The admin listener (loopback by default): /metrics in Prometheus text, /healthz (alive),
// /readyz (plugins started and deliveries not stalled behind a backlog), /v1/plugins (JSON).
#ifndef EVENTBUS_HOST_ADMINSERVER_H
#define EVENTBUS_HOST_ADMINSERVER_H

#include "Config.h"
#include "PluginInstance.h"

#include <Poco/Net/HTTPServer.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace eventbus {

class Dispatcher;
class MetricsRegistry;

class AdminServer {
public:
    using PluginList = std::function<std::vector<std::shared_ptr<PluginInstance>>()>;

    /// Binds now (throws Poco::Exception on failure); serves after start().
    AdminServer(const AdminSettings& settings, MetricsRegistry& metrics, Dispatcher& dispatcher, PluginList plugins);
    ~AdminServer();
    void start();
    void stop();
    uint16_t port() const { return _port; }
    /// Plugins are started (listeners open, spool replayed): readiness may turn true.
    void setStarted(bool started) { _started = started; }

    /// Answers one admin request (also used by tests without a socket).
    int handle(const std::string& method, const std::string& path, std::string& contentType, std::string& body);
    /// Why the daemon is not ready, or "" when it is.
    std::string unreadyReason();

private:
    std::string pluginsJson();
    void refreshGauges();

    AdminSettings _settings;
    MetricsRegistry& _metrics;
    Dispatcher& _dispatcher;
    PluginList _plugins;
    std::atomic<bool> _started{false};
    std::mutex _progressMutex;
    double _lastSettled = -1;
    std::chrono::steady_clock::time_point _lastProgress = std::chrono::steady_clock::now();
    std::unique_ptr<Poco::Net::HTTPServer> _server;
    uint16_t _port = 0;
};

} // namespace eventbus

#endif
