#include "TcpLineListener.h"

#include "LineSplitter.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <string>

namespace eventbus {

namespace {

const size_t kDefaultMaxLine = 1 << 20;

class LineConnection : public Poco::Net::TCPServerConnection {
public:
    LineConnection(const Poco::Net::StreamSocket& s, std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec,
                   IngressPipeline& pipeline, std::shared_ptr<std::atomic<bool>> stopping)
        : TCPServerConnection(s), _plugin(std::move(plugin)), _spec(spec), _pipeline(pipeline), _stopping(std::move(stopping))
    {
    }

    void run() override
    {
        const size_t limit = _spec.maxMessageBytes ? _spec.maxMessageBytes : kDefaultMaxLine;
        IngressInput input;
        input.kind = EB_LISTEN_TCP_LINES;
        input.listener = _spec.name;
        input.peerAddress = socket().peerAddress().host().toString();
        input.peerPort = socket().peerAddress().port();
        LineSplitter lines(limit);
        auto onLine = [&](std::string_view line) {
            input.data = line;
            _pipeline.process(*_plugin, input);
        };
        auto onOversized = [&] {
            _pipeline.countRejected(_plugin->name(), "oversized", "line longer than " + std::to_string(limit) + " bytes");
        };
        char buf[65536];
        socket().setReceiveTimeout(Poco::Timespan(0, 500000));
        for (;;) {
            int n;
            try {
                n = socket().receiveBytes(buf, sizeof buf);
            } catch (const Poco::TimeoutException&) {
                if (*_stopping) break;
                continue;
            } catch (const Poco::Exception&) {
                break;
            }
            if (n <= 0) break;
            lines.feed(buf, static_cast<size_t>(n), onLine, onOversized);
        }
        lines.finish(onLine, onOversized);
    }

private:
    std::shared_ptr<PluginInstance> _plugin;
    ListenerSpec _spec;
    IngressPipeline& _pipeline;
    std::shared_ptr<std::atomic<bool>> _stopping;
};

class LineConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    LineConnectionFactory(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline,
                          std::shared_ptr<std::atomic<bool>> stopping)
        : _plugin(std::move(plugin)), _spec(spec), _pipeline(pipeline), _stopping(std::move(stopping))
    {
    }
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override
    {
        return new LineConnection(socket, _plugin, _spec, _pipeline, _stopping);
    }

private:
    std::shared_ptr<PluginInstance> _plugin;
    ListenerSpec _spec;
    IngressPipeline& _pipeline;
    std::shared_ptr<std::atomic<bool>> _stopping;
};

} // namespace

TcpLineListener::TcpLineListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec,
                                 IngressPipeline& pipeline, int maxConnections)
{
    Poco::Net::SocketAddress address(spec.address);
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR only: with SO_REUSEPORT (Poco's default) a second daemon would silently share the port.
    socket.bind(address, true, false);
    socket.listen(64);
    _port = socket.address().port();
    auto* params = new Poco::Net::TCPServerParams;
    params->setMaxThreads(maxConnections);
    params->setMaxQueued(maxConnections);
    _server = std::make_unique<Poco::Net::TCPServer>(
        new LineConnectionFactory(std::move(plugin), spec, pipeline, _stopping), socket, params);
}

TcpLineListener::~TcpLineListener() { stop(); }

void TcpLineListener::start() { _server->start(); }

void TcpLineListener::stop()
{
    *_stopping = true;
    if (!_server) return;
    _server->stop();
    // Connections notice _stopping within their receive timeout; wait so none outlives the pipeline.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (_server->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

uint16_t TcpLineListener::port() const { return _port; }

} // namespace eventbus
