// Every socket the host opens for plugins: UDP, TCP line and HTTP listeners, plus the shared HTTP
// ingress server. A plugin's listeners are opened as a group: either all bind or none stays open,
// and the error names the plugin, the listener and the address. Groups can be added and removed
// while serving, which is how a reload changes plugins without touching the others' sockets.
#ifndef EVENTBUS_HOST_INGRESS_H
#define EVENTBUS_HOST_INGRESS_H

#include "Config.h"
#include "ExecLineListener.h"
#include "HttpIngressServer.h"
#include "IngressPipeline.h"
#include "TcpLineListener.h"
#include "UdpListener.h"

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace eventbus {

class Ingress {
public:
    Ingress(const Settings& settings, IngressPipeline& pipeline, MetricsRegistry& metrics);
    ~Ingress();

    /// Binds the shared HTTP server (when configured). Throws std::runtime_error on failure.
    void openShared();
    /// Binds every listener of the plugin; starts them at once when the ingress is started.
    /// Throws std::runtime_error naming plugin, listener and address; nothing of it stays open.
    void addPlugin(const std::shared_ptr<PluginInstance>& plugin);
    /// Closes the plugin's listeners; returns when none of them can submit any more.
    void removePlugin(const std::string& name);
    void start();
    /// Stops accepting input; returns when no listener thread can submit any more.
    void stop();

    HttpIngressServer* sharedServer() { return _shared.get(); }
    /// The bound port of a plugin's listener (tests bind port 0), 0 when unknown.
    uint16_t port(const std::string& plugin, const std::string& listener) const;

private:
    struct Group {
        std::vector<std::unique_ptr<HttpIngressServer>> servers;
        std::vector<std::unique_ptr<UdpListener>> udp;
        std::vector<std::unique_ptr<TcpLineListener>> tcp;
        std::vector<std::unique_ptr<ExecLineListener>> exec;
        std::vector<std::string> routes;
        std::map<std::string, uint16_t> ports;
        void start();
        void stop(HttpIngressServer* shared);
    };

    const Settings& _settings;
    IngressPipeline& _pipeline;
    MetricsRegistry& _metrics;
    std::unique_ptr<HttpIngressServer> _shared;
    mutable std::mutex _mutex;
    std::map<std::string, std::unique_ptr<Group>> _groups;
    bool _started = false;
};

} // namespace eventbus

#endif
