// A UDP socket opened for a plugin: one datagram is one input. Drops are counted, never silent.
#ifndef EVENTBUS_HOST_UDPLISTENER_H
#define EVENTBUS_HOST_UDPLISTENER_H

#include "IngressPipeline.h"
#include "UdpSubmitStage.h"

#include <Poco/Net/DatagramSocket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace eventbus {

class UdpListener {
public:
    /// Binds now (throws Poco::Exception with the address on failure); receives after start().
    /// `threads` threads take turns at the socket and decode in parallel; their sets are
    /// submitted in the order they were received, so datagrams keep their arrival order. `stage`
    /// bounds what waits for a submission and how long a small set lingers (UdpSubmitStage).
    UdpListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline,
        int threads, const UdpSubmitStage::Limits& stage);
    ~UdpListener();
    void start();
    void stop();
    uint16_t port() const;
    /// A listener's submit stage: sets wait for a running submission up to 8,192 datagrams and
    /// a 32nd of the memory budget between 1 and 8 MB, and go up to 1,024 datagrams and 1 MB per
    /// submission; sets under 256 datagrams and 256 KB linger up to `linger` for more.
    static UdpSubmitStage::Limits submitLimits(std::chrono::microseconds linger, size_t memoryBudgetBytes);

private:
    void run();

    std::shared_ptr<PluginInstance> _plugin;
    ListenerSpec _spec;
    IngressPipeline& _pipeline;
    Poco::Net::DatagramSocket _socket;
    int _threadCount;
    UdpSubmitStage::Limits _stageLimits;
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
