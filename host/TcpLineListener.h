// A TCP listener opened for a plugin: each connection is a stream of newline-delimited inputs
// (Monolog's socket handler writes one JSON record per line).
#ifndef EVENTBUS_HOST_TCPLINELISTENER_H
#define EVENTBUS_HOST_TCPLINELISTENER_H

#include "IngressPipeline.h"

#include <Poco/Net/TCPServer.h>

#include <atomic>
#include <memory>

namespace eventbus {

class TcpLineListener {
public:
    /// Binds now (throws Poco::Exception on failure); accepts after start().
    TcpLineListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline,
                    int maxConnections);
    ~TcpLineListener();
    void start();
    void stop();
    uint16_t port() const;

private:
    std::shared_ptr<std::atomic<bool>> _stopping = std::make_shared<std::atomic<bool>>(false);
    std::unique_ptr<Poco::Net::TCPServer> _server;
    uint16_t _port = 0;
};

} // namespace eventbus

#endif
