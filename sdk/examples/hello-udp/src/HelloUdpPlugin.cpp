// The thin plugin layer: declares the UDP listener from the configuration and hands each
// datagram to HelloDecoder.
#include "HelloDecoder.h"

#include <eventbus/plugin.hpp>

namespace {

class HelloUdpPlugin : public eventbus::Plugin {
public:
    explicit HelloUdpPlugin(eventbus::Host& host)
        : Plugin(host),
          _decoder(host.config("allowed_prefix"),
                   [&host](const std::string& name) { return host.resolveStream(name); }) {
        const long long maxBytes = host.configInt("max_bytes");
        if (maxBytes < 1 || maxBytes > 65507) throw eventbus::ConfigError("max_bytes must be within 1..65507");
        host.addUdp("udp", host.config("listen"), static_cast<size_t>(maxBytes));
    }

    eventbus::Status decode(const eventbus::Input& in, eventbus::Sink& out) override {
        const std::string peer = std::string(in.peerAddress()) + ":" + std::to_string(in.peerPort());
        const hello::HelloResult r = _decoder.decode(in.data(), peer);
        if (!r.ok) return out.reject(r.reason.c_str(), r.message);
        if (!out.emit(EB_TYPE_EVENT, r.event.stream, r.event.id, r.event.json)) return eventbus::Status::Rejected;
        return eventbus::Status::Ok;
    }

private:
    hello::HelloDecoder _decoder;
};

const eb_config_key kKeys[] = {
    {"listen", EB_CFG_ADDRESS, "127.0.0.1:9390", "UDP address to receive \"<stream> <text>\" datagrams on"},
    {"max_bytes", EB_CFG_INT, "2048", "largest datagram accepted, in bytes (1..65507)"},
    {"allowed_prefix", EB_CFG_STRING, "test.", "only streams starting with this prefix are accepted (empty: any)"},
};

} // namespace

EVENTBUS_PLUGIN(HelloUdpPlugin, "hello-udp", "1.0.0",
                "Example: turns \"<stream> <text>\" UDP datagrams into /test/event/1.0.0 events", kKeys)
