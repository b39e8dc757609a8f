#include "HttpIngressServer.h"

#include "MetricsRegistry.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>

namespace eventbus {

namespace {

/// EventGate parses these (and we pass bodies to plugins that expect JSON or text lines).
bool acceptableContentType(const std::string& contentType)
{
    if (contentType.empty()) return true;
    std::string ct = Poco::toLower(contentType.substr(0, contentType.find(';')));
    Poco::trimInPlace(ct);
    return ct == "application/json" || ct == "text/plain" ||
           (ct.size() > 5 && ct.compare(ct.size() - 5, 5, "+json") == 0);
}

bool methodAllowed(const std::string& methods, const std::string& method)
{
    Poco::StringTokenizer t(methods, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (const auto& m : t)
        if (Poco::icompare(m, method) == 0) return true;
    return false;
}

void send(Poco::Net::HTTPServerResponse& response, const IngressAnswer& a)
{
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(a.status));
    if (a.retryAfterSeconds > 0) response.set("Retry-After", std::to_string(a.retryAfterSeconds));
    if (!a.body.empty() && !a.contentType.empty()) response.setContentType(a.contentType);
    response.setContentLength(static_cast<std::streamsize>(a.body.size()));
    response.send() << a.body;
}

IngressAnswer error(int status, const std::string& message)
{
    IngressAnswer a;
    a.status = status;
    a.body = "{\"error\":\"" + message + "\"}";
    return a;
}

class IngressHandler : public Poco::Net::HTTPRequestHandler {
public:
    IngressHandler(std::shared_ptr<const HttpIngressServer::Route> route, const HttpIngressSettings& limits,
                   IngressPipeline& pipeline)
        : _route(std::move(route)), _limits(limits), _pipeline(pipeline)
    {
    }

    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
    {
        const std::string plugin = _route && _route->plugin ? _route->plugin->name() : "host";
        if (!_route) return send(response, error(404, "no such route"));
        const std::string& methods = _route->plugin ? _route->spec.methods : std::string("POST");
        if (!methodAllowed(methods, request.getMethod())) {
            response.set("Allow", methods);
            _pipeline.countRejected(plugin, "method_not_allowed", request.getMethod() + " " + request.getURI());
            return send(response, error(405, "method not allowed; use " + methods));
        }
        const size_t limit = _route->spec.maxMessageBytes ? _route->spec.maxMessageBytes : _limits.maxBodyBytes;
        if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
            _pipeline.countRejected(plugin, "body_too_large", "declared body of " +
                                                                  std::to_string(request.getContentLength64()) + " bytes");
            response.setKeepAlive(false);
            return send(response, error(413, "body larger than " + std::to_string(limit) + " bytes"));
        }
        if (request.size() > static_cast<size_t>(_limits.maxHeaders)) {
            _pipeline.countRejected(plugin, "too_many_headers", std::to_string(request.size()) + " header fields");
            response.setKeepAlive(false);
            return send(response, error(431, "more than " + std::to_string(_limits.maxHeaders) + " header fields"));
        }
        std::string body;
        std::istream& in = request.stream();
        if (request.hasContentLength()) {
            // Straight into the body (within the limit: checked above); the stream ends at the
            // declared length, so the loop below only confirms the end.
            body.resize(static_cast<size_t>(request.getContentLength64()));
            in.read(body.data(), static_cast<std::streamsize>(body.size()));
            body.resize(static_cast<size_t>(in.gcount()));
        }
        char buf[65536];
        while (in) {
            in.read(buf, sizeof buf);
            body.append(buf, static_cast<size_t>(in.gcount()));
            if (body.size() > limit) {
                _pipeline.countRejected(plugin, "body_too_large", "chunked body over " + std::to_string(limit) + " bytes");
                response.setKeepAlive(false);
                return send(response, error(413, "body larger than " + std::to_string(limit) + " bytes"));
            }
        }
        // A client that stalls mid-body makes the socket read time out, which only ends the
        // stream: without this check a truncated body would reach the plugin as if complete.
        if (in.bad() || (request.hasContentLength() && static_cast<Poco::Int64>(body.size()) != request.getContentLength64())) {
            _pipeline.countRejected(plugin, "client_timeout", "body incomplete after " + std::to_string(body.size()) + " bytes");
            response.setKeepAlive(false);
            return send(response, error(408, "request body incomplete"));
        }
        const std::string contentType = request.has("Content-Type") ? request.getContentType() : std::string();
        if (!body.empty() && !acceptableContentType(contentType)) {
            _pipeline.countRejected(plugin, "unsupported_content_type", contentType);
            return send(response, error(415, "unsupported content type; send application/json"));
        }
        if (_route->endpoint) return send(response, _route->endpoint(request.getMethod(), contentType, body));

        IngressInput input;
        input.kind = EB_LISTEN_HTTP;
        input.listener = _route->spec.name;
        input.data = std::move(body);
        input.peerAddress = request.clientAddress().host().toString();
        input.peerPort = request.clientAddress().port();
        input.method = request.getMethod();
        input.uri = request.getURI();
        input.contentType = contentType;
        for (const auto& h : request) input.headers.emplace_back(h.first, h.second);
        send(response, _pipeline.process(*_route->plugin, input));
    }

private:
    std::shared_ptr<const HttpIngressServer::Route> _route;
    const HttpIngressSettings& _limits;
    IngressPipeline& _pipeline;
};

class IngressHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    IngressHandlerFactory(const HttpIngressServer& server, const HttpIngressSettings& limits, IngressPipeline& pipeline)
        : _server(server), _limits(limits), _pipeline(pipeline)
    {
    }

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override
    {
        std::string path;
        try {
            path = Poco::URI(request.getURI()).getPath();
        } catch (const Poco::Exception&) {
            path = request.getURI();
        }
        return new IngressHandler(_server.find(path), _limits, _pipeline);
    }

private:
    const HttpIngressServer& _server;
    const HttpIngressSettings& _limits;
    IngressPipeline& _pipeline;
};

} // namespace

HttpIngressServer::HttpIngressServer(const std::string& address, const HttpIngressSettings& limits,
                                     IngressPipeline& pipeline, MetricsRegistry& metrics)
    : _limits(limits), _pipeline(pipeline), _metrics(metrics), _address(address)
{
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR only: with SO_REUSEPORT (Poco's default) a second daemon would silently share the port.
    socket.bind(Poco::Net::SocketAddress(address), true, false);
    socket.listen(128);
    _port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(limits.threads);
    params->setMaxQueued(limits.maxConnections);
    params->setTimeout(Poco::Timespan(static_cast<long>(limits.timeoutSeconds * 1e6)));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    _server = std::make_unique<Poco::Net::HTTPServer>(
        new IngressHandlerFactory(*this, _limits, _pipeline), socket, params);
    _boundAddress = socket.address().toString();
    _metrics.describe("eventbus_http_refused_connections_total", "counter",
                      "HTTP connections closed unanswered because max_connections were already waiting");
}

HttpIngressServer::~HttpIngressServer() { stop(); }

void HttpIngressServer::publishRefusals(Poco::Timer&)
{
    std::lock_guard<std::mutex> lock(_serverMutex);
    if (_server)
        _metrics.set("eventbus_http_refused_connections_total", {{"address", _boundAddress}},
                     static_cast<double>(_server->refusedConnections()));
}

void HttpIngressServer::addRoute(const std::string& path, std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec)
{
    std::lock_guard<std::mutex> lock(_routesMutex);
    _routes[path] = std::make_shared<const Route>(Route{std::move(plugin), spec, nullptr});
}

void HttpIngressServer::removeRoute(const std::string& path)
{
    std::lock_guard<std::mutex> lock(_routesMutex);
    _routes.erase(path);
}

void HttpIngressServer::setCatchAll(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec)
{
    std::lock_guard<std::mutex> lock(_routesMutex);
    _catchAll = std::make_shared<const Route>(Route{std::move(plugin), spec, nullptr});
}

void HttpIngressServer::addEndpoint(const std::string& path, HttpEndpoint endpoint)
{
    Route r;
    r.endpoint = std::move(endpoint);
    std::lock_guard<std::mutex> lock(_routesMutex);
    _routes[path] = std::make_shared<const Route>(std::move(r));
}

std::shared_ptr<const HttpIngressServer::Route> HttpIngressServer::find(const std::string& path) const
{
    std::lock_guard<std::mutex> lock(_routesMutex);
    if (_catchAll) return _catchAll;
    auto it = _routes.find(path);
    return it == _routes.end() ? nullptr : it->second;
}

void HttpIngressServer::start()
{
    _server->start();
    _refusalTimer.start(Poco::TimerCallback<HttpIngressServer>(*this, &HttpIngressServer::publishRefusals));
}

void HttpIngressServer::stop()
{
    _refusalTimer.stop();
    std::unique_ptr<Poco::Net::HTTPServer> server;
    {
        std::lock_guard<std::mutex> lock(_serverMutex);
        server.swap(_server);
    }
    if (server) server->stopAll(true);
}

} // namespace eventbus
