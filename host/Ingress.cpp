#include "Ingress.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include <stdexcept>

namespace eventbus {

Ingress::Ingress(const Settings& settings, IngressPipeline& pipeline, MetricsRegistry& metrics)
    : _settings(settings), _pipeline(pipeline), _metrics(metrics)
{
}

Ingress::~Ingress() { stop(); }

void Ingress::open(const std::vector<std::shared_ptr<PluginInstance>>& plugins)
{
    auto& log = Poco::Logger::get("eventbusd");
    if (!_settings.http.listen.empty()) {
        try {
            _shared = std::make_unique<HttpIngressServer>(_settings.http.listen, _settings.http, _pipeline, _metrics);
        } catch (const Poco::Exception& e) {
            throw std::runtime_error("ingress.http.listen: cannot listen on " + _settings.http.listen + ": " +
                                     e.displayText());
        }
        _ports.emplace_back("host/http", _shared->port());
    }
    for (const auto& plugin : plugins) {
        for (const auto& l : plugin->listeners()) {
            const std::string where = "plugin " + plugin->name() + " listener " + l.name;
            uint16_t port = 0;
            try {
                switch (l.kind) {
                case EB_LISTEN_UDP:
                    _udp.push_back(std::make_unique<UdpListener>(plugin, l, _pipeline));
                    port = _udp.back()->port();
                    break;
                case EB_LISTEN_TCP_LINES:
                    _tcp.push_back(std::make_unique<TcpLineListener>(plugin, l, _pipeline, _settings.http.maxConnections));
                    port = _tcp.back()->port();
                    break;
                case EB_LISTEN_HTTP:
                    if (l.address.empty()) {
                        _shared->addRoute(l.route, plugin, l);
                        port = _shared->port();
                    } else {
                        _ownServers.push_back(
                            std::make_unique<HttpIngressServer>(l.address, _settings.http, _pipeline, _metrics));
                        _ownServers.back()->setCatchAll(plugin, l);
                        port = _ownServers.back()->port();
                    }
                    break;
                default:
                    throw std::runtime_error("listener kind " + std::to_string(l.kind) + " is not supported by this host");
                }
            } catch (const Poco::Exception& e) {
                throw std::runtime_error(where + ": cannot listen on " + l.address + ": " + e.displayText());
            }
            _ports.emplace_back(plugin->name() + "/" + l.name, port);
            log.information(where + " on " + (l.kind == EB_LISTEN_HTTP && l.address.empty()
                                                   ? "route " + l.route
                                                   : l.address + " (port " + std::to_string(port) + ")"));
        }
    }
}

void Ingress::start()
{
    for (auto& u : _udp) u->start();
    for (auto& t : _tcp) t->start();
    for (auto& s : _ownServers) s->start();
    if (_shared) _shared->start();
}

void Ingress::stop()
{
    if (_shared) _shared->stop();
    for (auto& s : _ownServers) s->stop();
    for (auto& t : _tcp) t->stop();
    for (auto& u : _udp) u->stop();
}

uint16_t Ingress::port(const std::string& plugin, const std::string& listener) const
{
    for (const auto& p : _ports)
        if (p.first == plugin + "/" + listener) return p.second;
    return 0;
}

} // namespace eventbus
