#include "Ingress.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>

#include <stdexcept>

namespace eventbus {

void Ingress::Group::start()
{
    for (auto& u : udp) u->start();
    for (auto& t : tcp) t->start();
    for (auto& s : servers) s->start();
    for (auto& e : exec) e->start();
}

void Ingress::Group::stop(HttpIngressServer* shared)
{
    if (shared)
        for (const auto& r : routes) shared->removeRoute(r);
    for (auto& s : servers) s->stop();
    for (auto& t : tcp) t->stop();
    for (auto& u : udp) u->stop();
    for (auto& e : exec) e->stop();
}

Ingress::Ingress(const Settings& settings, IngressPipeline& pipeline, MetricsRegistry& metrics)
    : _settings(settings), _pipeline(pipeline), _metrics(metrics)
{
}

Ingress::~Ingress() { stop(); }

void Ingress::openShared()
{
    if (_settings.http.listen.empty()) return;
    try {
        _shared = std::make_unique<HttpIngressServer>(_settings.http.listen, _settings.http, _pipeline, _metrics);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("ingress.http.listen: cannot listen on " + _settings.http.listen + ": " + e.displayText());
    }
}

void Ingress::addPlugin(const std::shared_ptr<PluginInstance>& plugin)
{
    auto group = std::make_unique<Group>();
    for (const auto& l : plugin->listeners()) {
        const std::string where = "plugin " + plugin->name() + " listener " + l.name;
        uint16_t port = 0;
        try {
            switch (l.kind) {
            case EB_LISTEN_UDP:
                group->udp.push_back(std::make_unique<UdpListener>(plugin, l, _pipeline, _settings.udp.threads,
                    UdpListener::submitLimits(std::chrono::microseconds(_settings.udp.lingerUs),
                                              _settings.dispatch.memoryBudgetBytes)));
                port = group->udp.back()->port();
                break;
            case EB_LISTEN_TCP_LINES:
                group->tcp.push_back(std::make_unique<TcpLineListener>(plugin, l, _pipeline, _settings.http.maxConnections));
                port = group->tcp.back()->port();
                break;
            case EB_LISTEN_HTTP:
                if (l.address.empty()) {
                    if (!_shared) throw std::runtime_error(where + ": route " + l.route + " needs ingress.http.listen");
                    if (_shared->find(l.route)) throw std::runtime_error(where + ": route " + l.route + " is taken");
                    _shared->addRoute(l.route, plugin, l);
                    group->routes.push_back(l.route);
                    port = _shared->port();
                } else {
                    group->servers.push_back(std::make_unique<HttpIngressServer>(l.address, _settings.http, _pipeline, _metrics));
                    group->servers.back()->setCatchAll(plugin, l);
                    port = group->servers.back()->port();
                }
                break;
            case EB_LISTEN_EXEC_LINES:
                group->exec.push_back(std::make_unique<ExecLineListener>(plugin, l, _pipeline, _metrics));
                break;
            default:
                throw std::runtime_error(where + ": listener kind " + std::to_string(l.kind) +
                                         " is not supported by this host");
            }
        } catch (const Poco::Exception& e) {
            group->stop(_shared.get());
            throw std::runtime_error(where + ": cannot listen on " + l.address + ": " + e.displayText());
        } catch (...) {
            group->stop(_shared.get());
            throw;
        }
        group->ports[l.name] = port;
        std::string on = l.kind == EB_LISTEN_EXEC_LINES ? "a child command"
                         : l.kind == EB_LISTEN_HTTP && l.address.empty() ? "route " + l.route
                                                                         : l.address + " (port " + std::to_string(port) + ")";
        Poco::Logger::get("eventbusd").information(where + " on " + on);
    }
    std::lock_guard<std::mutex> lock(_mutex);
    if (_started) group->start();
    _groups[plugin->name()] = std::move(group);
}

void Ingress::removePlugin(const std::string& name)
{
    std::unique_ptr<Group> group;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        auto it = _groups.find(name);
        if (it == _groups.end()) return;
        group = std::move(it->second);
        _groups.erase(it);
    }
    group->stop(_shared.get());
}

void Ingress::start()
{
    std::lock_guard<std::mutex> lock(_mutex);
    for (auto& [name, g] : _groups) g->start();
    if (_shared) _shared->start();
    _started = true;
}

void Ingress::stop()
{
    if (_shared) _shared->stop();
    std::map<std::string, std::unique_ptr<Group>> groups;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        groups.swap(_groups);
    }
    for (auto& [name, g] : groups) g->stop(nullptr);
}

uint16_t Ingress::port(const std::string& plugin, const std::string& listener) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (plugin == "host" && listener == "http") return _shared ? _shared->port() : 0;
    auto it = _groups.find(plugin);
    if (it == _groups.end()) return 0;
    auto p = it->second->ports.find(listener);
    return p == it->second->ports.end() ? 0 : p->second;
}

} // namespace eventbus
