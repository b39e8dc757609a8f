// Every socket the host opens for plugins: UDP, TCP line and HTTP listeners, plus the shared HTTP
// ingress server. Opening binds everything first and starts nothing until all binds succeeded, so
// a start-up either has all its listeners or fails naming the one it could not open.
#ifndef EVENTBUS_HOST_INGRESS_H
#define EVENTBUS_HOST_INGRESS_H

#include "Config.h"
#include "HttpIngressServer.h"
#include "IngressPipeline.h"
#include "TcpLineListener.h"
#include "UdpListener.h"

#include <memory>
#include <vector>

namespace eventbus {

class Ingress {
public:
    Ingress(const Settings& settings, IngressPipeline& pipeline, MetricsRegistry& metrics);
    ~Ingress();

    /// Binds every listener of every plugin (throws std::runtime_error naming plugin, listener and
    /// address on failure). Host endpoints (job runner) can be added to sharedServer() afterwards.
    void open(const std::vector<std::shared_ptr<PluginInstance>>& plugins);
    void start();
    /// Stops accepting input; returns when no listener thread can submit any more.
    void stop();

    HttpIngressServer* sharedServer() { return _shared.get(); }
    /// The bound port of a plugin's listener (tests bind port 0), 0 when unknown.
    uint16_t port(const std::string& plugin, const std::string& listener) const;

private:
    const Settings& _settings;
    IngressPipeline& _pipeline;
    MetricsRegistry& _metrics;
    std::unique_ptr<HttpIngressServer> _shared;
    std::vector<std::unique_ptr<HttpIngressServer>> _ownServers;
    std::vector<std::unique_ptr<UdpListener>> _udp;
    std::vector<std::unique_ptr<TcpLineListener>> _tcp;
    std::vector<std::pair<std::string, uint16_t>> _ports; ///< "plugin/listener" -> port
};

} // namespace eventbus

#endif
