#include "MonologPlugin.h"

namespace eventbus {
namespace monolog {

namespace {

/// The largest UDP payload.
constexpr size_t kMaxDatagramBytes = 65507;

const eb_config_key kConfigKeys[] = {
    {"tcp_listen", EB_CFG_ADDRESS, "127.0.0.1:5140",
     "TCP address for JSON lines from Monolog's SocketHandler ('tcp://HOST:PORT') with JsonFormatter"},
    {"udp_listen", EB_CFG_ADDRESS, "127.0.0.1:5140",
     "UDP address for SyslogUdpHandler datagrams (RFC 5424) with JsonFormatter; udp2log lines work too"},
    {"max_line_bytes", EB_CFG_INT, "1048576", "longest accepted JSON line on the TCP listener, in bytes"},
    {"channel_streams", EB_CFG_STRING, "",
     "channel=stream pairs, comma-separated, for records whose context has no meta.stream; empty: none"},
};

} // namespace

MonologRecordDecoder::ChannelStreams MonologPlugin::channelStreams(const Host& host) {
    MonologRecordDecoder::ChannelStreams map;
    std::string error;
    if (!MonologRecordDecoder::parseChannelStreams(host.config("channel_streams"), map, error))
        throw ConfigError("plugin.monolog.channel_streams: " + error);
    return map;
}

MonologPlugin::MonologPlugin(Host& host) : Plugin(host), _decoder(channelStreams(host)) {
    const long long maxLine = host.configInt("max_line_bytes");
    if (maxLine <= 0) throw ConfigError("plugin.monolog.max_line_bytes must be positive");
    host.addTcpLines("tcp", host.config("tcp_listen"), static_cast<size_t>(maxLine));
    host.addUdp("udp", host.config("udp_listen"), kMaxDatagramBytes);
}

Status MonologPlugin::decode(const Input& in, Sink& out) {
    const MonologRecordDecoder::Result result =
        in.kind() == EB_LISTEN_UDP ? _decoder.decodeDatagram(in.data()) : _decoder.decodeLine(in.data());
    if (!result.ok()) return out.reject(result.reason, result.message);
    for (const auto& event : result.events)
        if (!out.emit(EB_TYPE_EVENT, event.stream, event.id, event.json)) return Status::Rejected;
    return Status::Ok;
}

} // namespace monolog
} // namespace eventbus

EVENTBUS_PLUGIN(eventbus::monolog::MonologPlugin, "monolog", "1.0.0",
                "Monolog records (JSON lines over TCP, RFC 5424 syslog over UDP) as events, like EventBusMonologHandler",
                eventbus::monolog::kConfigKeys)
