#include "AdminServer.h"

#include "Dispatcher.h"
#include "MetricsRegistry.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <Poco/UTF8String.h>

namespace eventbus {

namespace {

std::string quote(const std::string& s) { return "\"" + Poco::UTF8::escape(s, true) + "\""; }

const char* stateName(PluginInstance::State s)
{
    switch (s) {
    case PluginInstance::State::Created: return "created";
    case PluginInstance::State::Running: return "running";
    case PluginInstance::State::Failed: return "failed";
    }
    return "unknown";
}

const char* kindName(int kind)
{
    switch (kind) {
    case EB_LISTEN_UDP: return "udp";
    case EB_LISTEN_TCP_LINES: return "tcp-lines";
    case EB_LISTEN_HTTP: return "http";
    case EB_LISTEN_EXEC_LINES: return "exec-lines";
    }
    return "unknown";
}

class AdminHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit AdminHandler(AdminServer& server) : _server(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        std::string path;
        try {
            path = Poco::URI(request.getURI()).getPath();
        } catch (const Poco::Exception&) {
            path = request.getURI();
        }
        std::string contentType, body;
        int status = _server.handle(request.getMethod(), path, contentType, body);
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        response.setContentType(contentType);
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.send() << body;
    }

private:
    AdminServer& _server;
};

class AdminHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit AdminHandlerFactory(AdminServer& server) : _server(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new AdminHandler(_server);
    }

private:
    AdminServer& _server;
};

} // namespace

AdminServer::AdminServer(const AdminSettings& settings, MetricsRegistry& metrics, Dispatcher& dispatcher,
                         PluginList plugins)
    : _settings(settings), _metrics(metrics), _dispatcher(dispatcher), _plugins(std::move(plugins))
{
    _metrics.describe("eventbus_plugin_up", "gauge", "1 while the plugin runs, 0 once it failed and was disabled");
    _metrics.describe("eventbus_plugin_info", "gauge", "Loaded plugins with their version and ABI");
    _metrics.describe("eventbus_backlog_events", "gauge", "Events held and not yet delivered or dead-lettered");
    _metrics.describe("eventbus_ready", "gauge", "1 when /readyz answers 200");
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR only: with SO_REUSEPORT (Poco's default) a second daemon would silently share the port.
    socket.bind(Poco::Net::SocketAddress(settings.listen), true, false);
    socket.listen(16);
    _port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setMaxQueued(16);
    params->setTimeout(Poco::Timespan(10, 0));
    _server = std::make_unique<Poco::Net::HTTPServer>(new AdminHandlerFactory(*this), socket, params);
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start() { _server->start(); }

void AdminServer::stop()
{
    if (_server) {
        _server->stopAll(true);
        _server.reset();
    }
}

std::string AdminServer::unreadyReason()
{
    if (!_started) return "starting: plugins and listeners are not up yet";
    const size_t backlog = _dispatcher.backlog();
    const double settled = _metrics.sum("mediawiki_EventBus_events_accepted_total") +
                           _metrics.sum("eventbus_events_dead_lettered_total");
    std::lock_guard<std::mutex> lock(_progressMutex);
    auto now = std::chrono::steady_clock::now();
    if (backlog == 0 || settled != _lastSettled) {
        _lastSettled = settled;
        _lastProgress = now;
        return "";
    }
    double stalled = std::chrono::duration<double>(now - _lastProgress).count();
    if (stalled > _settings.readyStallSeconds)
        return "backlog of " + std::to_string(backlog) + " events and nothing delivered for " +
               std::to_string(static_cast<long long>(stalled)) + " s";
    return "";
}

void AdminServer::refreshGauges()
{
    for (const auto& p : _plugins()) {
        _metrics.set("eventbus_plugin_up", {{"plugin", p->name()}}, p->state() == PluginInstance::State::Failed ? 0 : 1);
        _metrics.set("eventbus_plugin_info", {{"plugin", p->name()}, {"version", p->module().version()}, {"abi", p->module().abi()}}, 1);
    }
    _metrics.set("eventbus_backlog_events", {}, static_cast<double>(_dispatcher.backlog()));
    _metrics.set("eventbus_ready", {}, unreadyReason().empty() ? 1 : 0);
}

std::string AdminServer::pluginsJson()
{
    std::string out = "[";
    bool first = true;
    for (const auto& p : _plugins()) {
        if (!first) out += ",";
        first = false;
        const Labels byPlugin = {{"plugin", p->name()}};
        out += "{\"name\":" + quote(p->name()) + ",\"version\":" + quote(p->module().version()) +
               ",\"abi\":" + quote(p->module().abi()) + ",\"file\":" + quote(p->module().path()) +
               ",\"state\":" + quote(stateName(p->state()));
        if (p->state() == PluginInstance::State::Failed) out += ",\"failure\":" + quote(p->failure());
        out += ",\"listeners\":[";
        for (size_t i = 0; i < p->listeners().size(); ++i) {
            const auto& l = p->listeners()[i];
            if (i) out += ",";
            out += "{\"name\":" + quote(l.name) + ",\"kind\":" + quote(kindName(l.kind));
            if (!l.address.empty()) out += ",\"address\":" + quote(l.kind == EB_LISTEN_EXEC_LINES ? "(command)" : l.address);
            if (!l.route.empty()) out += ",\"route\":" + quote(l.route);
            out += "}";
        }
        out += "],\"counters\":{\"received\":" +
               std::to_string(static_cast<long long>(_metrics.sum("eventbus_ingress_received_total", byPlugin))) +
               ",\"rejected\":" +
               std::to_string(static_cast<long long>(_metrics.sum("eventbus_ingress_rejected_total", byPlugin))) +
               ",\"events\":" +
               std::to_string(static_cast<long long>(_metrics.sum("eventbus_ingress_events_total", byPlugin))) +
               ",\"dropped\":" +
               std::to_string(static_cast<long long>(_metrics.sum("eventbus_ingress_dropped_total", byPlugin))) + "}}";
    }
    return out + "]";
}

int AdminServer::handle(const std::string& method, const std::string& path, std::string& contentType, std::string& body)
{
    contentType = "text/plain; charset=utf-8";
    if (method != "GET" && method != "HEAD") {
        body = "method not allowed\n";
        return 405;
    }
    if (path == "/metrics") {
        refreshGauges();
        contentType = "text/plain; version=0.0.4; charset=utf-8";
        body = _metrics.render();
        return 200;
    }
    if (path == "/healthz") {
        body = "ok\n";
        return 200;
    }
    if (path == "/readyz") {
        std::string why = unreadyReason();
        body = why.empty() ? "ready\n" : "not ready: " + why + "\n";
        return why.empty() ? 200 : 503;
    }
    if (path == "/v1/plugins") {
        contentType = "application/json";
        body = pluginsJson();
        return 200;
    }
    body = "not found; try /metrics, /healthz, /readyz or /v1/plugins\n";
    return 404;
}

} // namespace eventbus
