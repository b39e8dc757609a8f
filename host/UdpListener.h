// A UDP socket opened for a plugin: one datagram is one input. Drops are counted, never silent.
#ifndef EVENTBUS_HOST_UDPLISTENER_H
#define EVENTBUS_HOST_UDPLISTENER_H

#include "IngressPipeline.h"

#include <Poco/Net/DatagramSocket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace eventbus {

class UdpSubmitStage;

class UdpListener {
public:
    /// Binds now (throws Poco::Exception with the address on failure); receives after start().
    /// `threads` threads take turns at the socket and decode in parallel; their sets are
    /// submitted in the order they were received, so datagrams keep their arrival order. A small
    /// set waits up to `linger` for more datagrams to join its submission (UdpSubmitStage).
    UdpListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline,
        int threads = 1, std::chrono::microseconds linger = std::chrono::microseconds(0));
    ~UdpListener();
    void start();
    void stop();
    uint16_t port() const;

private:
    void run();

    std::shared_ptr<PluginInstance> _plugin;
    ListenerSpec _spec;
    IngressPipeline& _pipeline;
    Poco::Net::DatagramSocket _socket;
    int _threadCount;
    std::chrono::microseconds _linger;
    std::vector<std::thread> _threads;
    std::atomic<bool> _stop{false};
    /// One thread receives at a time; the turn it draws orders its set's submission.
    std::mutex _receiving;
    uint64_t _nextTurn = 0; ///< guarded by _receiving
    /// The socket's drop counter when last read (guarded by _receiving): the kernel counts the
    /// datagrams it dropped, and each receiving turn counts what was added since.
    uint32_t _kernelDrops = 0;
    /// Reads the socket's drop counter and counts what it gained (called with _receiving held).
    void countKernelDrops();
    std::unique_ptr<UdpSubmitStage> _stage;
};

} // namespace eventbus

#endif
