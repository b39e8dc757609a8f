// A UDP socket opened for a plugin: one datagram is one input. Drops are counted, never silent.
#ifndef EVENTBUS_HOST_UDPLISTENER_H
#define EVENTBUS_HOST_UDPLISTENER_H

#include "IngressPipeline.h"

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Thread.h>

#include <atomic>
#include <memory>

namespace eventbus {

class UdpListener : public Poco::Runnable {
public:
    /// Binds now (throws Poco::Exception with the address on failure); receives after start().
    UdpListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline);
    ~UdpListener() override;
    void start();
    void stop();
    uint16_t port() const;
    void run() override;

private:
    std::shared_ptr<PluginInstance> _plugin;
    ListenerSpec _spec;
    IngressPipeline& _pipeline;
    Poco::Net::DatagramSocket _socket;
    Poco::Thread _thread;
    std::atomic<bool> _stop{false};
};

} // namespace eventbus

#endif
