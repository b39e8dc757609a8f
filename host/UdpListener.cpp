#include "UdpListener.h"

#include "UdpSubmitStage.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <pthread.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

namespace eventbus {

namespace {
const size_t kMaxDatagram = 65535;
const size_t kBurst = 32;
/// Datagrams decoded into one submission at most (about 150 KB of RC feed events).
const size_t kGather = 256;
/// ... and at most this many while the last submission is still being committed.
const size_t kGatherBusy = 1024;
/// A set stops growing past this many bytes of datagrams, so large datagrams (Monolog records of
/// up to 64 KB) cannot make a thread hold 1,024 of them.
const size_t kGatherBytes = 1 << 20;
/// Sets received while a submission runs wait for it, up to this many datagrams and bytes (a
/// 32nd of the memory budget within these bounds), before the receiving threads block; they are
/// then submitted up to kGatherBusy datagrams and kGatherBytes at a time, as before, so that a
/// commit's events still fit the spool's cache.
/// Durable commits now and then take tens of milliseconds: in one benchmark cell at 150,000 RC
/// feed datagrams/s, 44 to 67 commits took over 20 ms, the longest 76 ms (11,000 datagrams at that
/// rate). What the stage cannot hold stays in the socket's buffer, which net.core.rmem_max caps
/// (208 KB on stock Debian), and beyond it is lost.
const size_t kWaitingMost = 8192;
const size_t kWaitingBytesMin = 1 << 20;
const size_t kWaitingBytesMax = 8 << 20;
const size_t kDefaultMax = 65507;
} // namespace

UdpListener::UdpListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline,
    int threads, const UdpSubmitStage::Limits& stage)
    : _plugin(std::move(plugin)), _spec(spec), _pipeline(pipeline), _threadCount(std::max(threads, 1)), _stageLimits(stage)
{
    Poco::Net::SocketAddress address(_spec.address);
    _socket = Poco::Net::DatagramSocket(address.family());
    // Neither SO_REUSEADDR nor SO_REUSEPORT: on Linux either lets a second daemon bind the same
    // UDP port and take part of the datagrams.
    _socket.bind(address, false, false);
    // A deep receive buffer absorbs bursts (an RC feed sends one datagram per edit).
    try {
        _socket.setReceiveBufferSize(8 << 20);
    } catch (const Poco::Exception&) {
    }
    if (!_spec.multicastGroup.empty()) {
        ip_mreq req{};
        Poco::Net::IPAddress group(_spec.multicastGroup);
        std::memcpy(&req.imr_multiaddr, group.addr(), sizeof req.imr_multiaddr);
        req.imr_interface.s_addr = htonl(INADDR_ANY);
        if (::setsockopt(_socket.impl()->sockfd(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &req, sizeof req) != 0)
            throw Poco::Net::NetException("cannot join multicast group " + _spec.multicastGroup);
    }
    _socket.setReceiveTimeout(Poco::Timespan(0, 200000));
}

void UdpListener::countKernelDrops()
{
    // SO_MEMINFO reads the counter at any time, so drops are counted within a receive timeout
    // even when no datagram follows them; it costs one call per turn (a set of up to 1,024).
    uint32_t meminfo[SK_MEMINFO_VARS] = {};
    socklen_t length = sizeof meminfo;
    if (::getsockopt(_socket.impl()->sockfd(), SOL_SOCKET, SO_MEMINFO, meminfo, &length) != 0 ||
        length < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
        return;
    const uint32_t drops = meminfo[SK_MEMINFO_DROPS];
    const uint32_t added = drops - _kernelDrops; // the counter wraps at 2^32
    if (added) _pipeline.countKernelDropped(_plugin->name(), _spec.name, added);
    _kernelDrops = drops; // after the count: a count that throws (out of memory) is made again next turn
}

UdpListener::~UdpListener() { stop(); }

void UdpListener::start()
{
    // Once only: a second stage would start its turns at 0 again while _nextTurn goes on.
    if (_stage || _stop)
        throw Poco::IllegalStateException("udp listener " + _spec.name + " started twice");
    _stage = std::make_unique<UdpSubmitStage>([this](std::vector<Event>&& events, size_t inputs) {
        try {
            _pipeline.submitBurst(*_plugin, _spec.name, inputs, std::move(events));
        } catch (const std::exception& e) {
            Poco::Logger::get("eventbusd").error("udp " + _spec.name + ": cannot submit " + std::to_string(inputs) +
                                                 " datagrams' events: " + e.what());
        }
    }, _stageLimits);
    _pipeline.countKernelDropped(_plugin->name(), _spec.name, 0);
    for (int i = 0; i < _threadCount; ++i) {
        _threads.emplace_back([this, i] {
            // Shown by top -H and in core dumps; the kernel keeps 15 characters.
            const std::string name = ("udp-" + _spec.name + "-" + std::to_string(i)).substr(0, 15);
            ::pthread_setname_np(::pthread_self(), name.c_str());
            run();
        });
    }
}

void UdpListener::stop()
{
    _stop = true;
    for (auto& thread : _threads)
        if (thread.joinable()) thread.join();
    _threads.clear();
    _stage.reset(); // submits the last set
}

UdpSubmitStage::Limits UdpListener::submitLimits(std::chrono::microseconds linger, size_t memoryBudgetBytes)
{
    const size_t waitingBytes = std::clamp(memoryBudgetBytes / 32, kWaitingBytesMin, kWaitingBytesMax);
    return {{kWaitingMost, waitingBytes}, {kGather, kGatherBytes / 4}, linger, {kGatherBusy, kGatherBytes}};
}

uint16_t UdpListener::port() const { return _socket.address().port(); }

void UdpListener::run()
{
    // Datagrams come in bursts (one per edit on a busy wiki). A thread takes its turn at the
    // socket: everything already waiting is taken with one recvmmsg and, while full bursts keep
    // coming, up to kGather datagrams are copied into one set. It then leaves the socket to the
    // next thread, decodes the set and hands its events to the submit stage as one submission
    // (one dispatcher round and, with the durable spool, one commit). Receiving is serial and
    // cheap (about a sixth of the work); decoding, the bulk, runs on every thread at once.
    const size_t limit = _spec.maxMessageBytes ? _spec.maxMessageBytes : kDefaultMax;
    // One block, left uninitialised: its pages cost memory only once datagrams fill them (zeroed
    // vectors made each idle thread resident for its full 2 MB).
    constexpr size_t kBufferBytes = kMaxDatagram + 1;
    const std::unique_ptr<char[]> buffers(new char[kBurst * kBufferBytes]);
    std::vector<mmsghdr> messages(kBurst);
    std::vector<iovec> iovecs(kBurst);
    std::vector<sockaddr_storage> senders(kBurst);
    const int fd = _socket.impl()->sockfd();
    // A feed comes from a few senders: the text form of the last one is kept, not rebuilt per datagram.
    sockaddr_storage lastSender{};
    socklen_t lastSenderLength = 0;
    std::string lastAddress;
    uint16_t lastPort = 0;
    // The set: datagrams copied one after another (receive buffers are reused per burst), where
    // each lies in the arena, and an input per datagram with its sender.
    std::string arena;
    struct Received {
        size_t offset;
        size_t size;
    };
    std::vector<Received> received;
    received.reserve(kGatherBusy);
    std::vector<IngressInput> inputs;
    std::vector<IngressInput*> batch;
    auto logFailure = [this](const char* what, size_t datagrams, const char* reason) noexcept {
        try {
            Poco::Logger::get("eventbusd").error("udp " + _spec.name + ": " + what + " (" +
                                                 std::to_string(datagrams) + " datagrams gathered): " + reason);
        } catch (...) { // out of memory for the message as well: nothing more to do
        }
    };
    for (;;) {
        arena.clear();
        received.clear();
        bool stopping = false;
        bool drained = false;
        uint64_t turn = 0;
        {
            std::lock_guard<std::mutex> receiving(_receiving);
            // Read under the lock: a thread that waited for its turn must see a stop that came
            // meanwhile, or each waiting thread would wait out a receive timeout of its own.
            stopping = _stop;
            try {
                for (;;) {
                    for (size_t i = 0; i < kBurst; ++i) {
                        iovecs[i] = {buffers.get() + i * kBufferBytes, kBufferBytes};
                        messages[i] = {};
                        messages[i].msg_hdr.msg_iov = &iovecs[i];
                        messages[i].msg_hdr.msg_iovlen = 1;
                        messages[i].msg_hdr.msg_name = &senders[i];
                        messages[i].msg_hdr.msg_namelen = sizeof senders[i];
                    }
                    // The first datagram of a set is waited for, up to the socket's receive timeout;
                    // while gathering, and on stop, only what was already sent to us is taken.
                    int flags = stopping || !received.empty() ? MSG_DONTWAIT : MSG_WAITFORONE;
                    int n = ::recvmmsg(fd, messages.data(), kBurst, flags, nullptr);
                    if (n <= 0) {
                        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                            Poco::Logger::get("eventbusd").error("udp " + _spec.name + ": receive failed: " +
                                                                 std::strerror(errno));
                        drained = true;
                        break;
                    }
                    for (int i = 0; i < n; ++i) {
                        size_t size = messages[i].msg_len;
                        if (size > limit) {
                            _pipeline.countRejected(_plugin->name(), "oversized",
                                                    "datagram of " + std::to_string(size) + " bytes exceeds " +
                                                        std::to_string(limit));
                            continue;
                        }
                        const socklen_t senderLength = messages[i].msg_hdr.msg_namelen;
                        if (senderLength != lastSenderLength ||
                            std::memcmp(&senders[i], &lastSender, senderLength) != 0) {
                            Poco::Net::SocketAddress sender(reinterpret_cast<const sockaddr*>(&senders[i]),
                                                            static_cast<poco_socklen_t>(senderLength));
                            lastAddress = sender.host().toString();
                            lastPort = sender.port();
                            std::memcpy(&lastSender, &senders[i], senderLength);
                            lastSenderLength = senderLength;
                        }
                        // Recorded last: if anything before throws, the arena and the input only
                        // hold what no recorded datagram points to.
                        const size_t offset = arena.size();
                        arena.append(buffers.get() + i * kBufferBytes, size);
                        if (inputs.size() == received.size()) {
                            inputs.emplace_back();
                            inputs.back().kind = EB_LISTEN_UDP;
                            inputs.back().listener = _spec.name;
                        }
                        inputs[received.size()].peerAddress = lastAddress;
                        inputs[received.size()].peerPort = lastPort;
                        received.push_back({offset, size});
                    }
                    // A full burst: more are probably waiting. While the submit stage is still busy
                    // with the last set, gathering goes on (up to kGatherBusy) rather than waiting for
                    // it, so a slow commit makes the next set larger instead of leaving datagrams in
                    // the socket.
                    const size_t gathered = received.size();
                    if (static_cast<size_t>(n) == kBurst && arena.size() < kGatherBytes &&
                        (gathered < kGather || (gathered < kGatherBusy && _stage->busy())))
                        continue;
                    break;
                }
            } catch (const std::exception& e) {
                // Out of memory while gathering: what was gathered still goes on; the datagram
                // being taken is lost and logged.
                logFailure("cannot receive", received.size(), e.what());
                drained = true; // a stop is not held up by a failure that repeats
            } catch (...) {
                logFailure("cannot receive", received.size(), "unknown exception");
                drained = true;
            }
            try {
                countKernelDrops();
            } catch (...) { // out of memory for the count: the next turn counts these drops too
            }
            if (!received.empty())
                turn = _nextTurn++;
        }
        if (received.empty()) {
            if (stopping && drained) return;
            continue;
        }
        // A drawn turn must be handed whatever happens (later sets wait for it), so nothing that
        // can throw stands between the two: a failure hands what was decoded so far.
        std::vector<Event> events;
        try {
            // The set is complete, so the arena no longer moves: inputs can point into it.
            batch.clear();
            for (size_t i = 0; i < received.size(); ++i) {
                inputs[i].data = std::string_view(arena.data() + received[i].offset, received[i].size);
                batch.push_back(&inputs[i]);
            }
            events.reserve(received.size());
            _pipeline.decodeBurst(*_plugin, batch, events);
        } catch (const std::exception& e) {
            logFailure("cannot decode", received.size(), e.what());
        } catch (...) {
            logFailure("cannot decode", received.size(), "unknown exception");
        }
        _stage->hand(turn, std::move(events), {received.size(), arena.size()});
    }
}

} // namespace eventbus
