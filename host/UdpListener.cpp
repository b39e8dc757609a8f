#include "UdpListener.h"

#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>

#include <cstring>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

namespace eventbus {

namespace {
const size_t kMaxDatagram = 65535;
const size_t kDefaultMax = 65507;
} // namespace

UdpListener::UdpListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline)
    : _plugin(std::move(plugin)), _spec(spec), _pipeline(pipeline)
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
    _thread.setName("udp-" + _spec.name);
}

UdpListener::~UdpListener() { stop(); }

void UdpListener::start() { _thread.start(*this); }

void UdpListener::stop()
{
    _stop = true;
    if (_thread.isRunning()) _thread.join();
}

uint16_t UdpListener::port() const { return _socket.address().port(); }

void UdpListener::run()
{
    std::vector<char> buffer(kMaxDatagram + 1);
    const size_t limit = _spec.maxMessageBytes ? _spec.maxMessageBytes : kDefaultMax;
    IngressInput input;
    input.kind = EB_LISTEN_UDP;
    input.listener = _spec.name;
    // On stop, datagrams already in the socket buffer were sent to us: take them before leaving.
    while (!_stop || _socket.available() > 0) {
        Poco::Net::SocketAddress sender;
        int n;
        try {
            n = _socket.receiveFrom(buffer.data(), static_cast<int>(buffer.size()), sender);
        } catch (const Poco::TimeoutException&) {
            continue;
        } catch (const Poco::Exception& e) {
            if (!_stop) Poco::Logger::get("eventbusd").error("udp " + _spec.name + ": " + e.displayText());
            continue;
        }
        if (n < 0) continue;
        if (static_cast<size_t>(n) > limit) {
            _pipeline.countRejected(_plugin->name(), "oversized",
                                    "datagram of " + std::to_string(n) + " bytes exceeds " + std::to_string(limit));
            continue;
        }
        input.data = std::string_view(buffer.data(), static_cast<size_t>(n));
        input.peerAddress = sender.host().toString();
        input.peerPort = sender.port();
        _pipeline.process(*_plugin, input);
    }
}

} // namespace eventbus
