#include "CdnPurgePlugin.h"

#include "HtcpPacket.h"

#include "eventbus/PhpJson.h"

#include <arpa/inet.h>

namespace eventbus {
namespace cdnpurge {

namespace {

const eb_config_key kConfigKeys[] = {
    {"htcp_listen", EB_CFG_ADDRESS, "127.0.0.1:4827",
     "UDP address for HTCP CLR packets ($wgHTCPRouting host and port); 0.0.0.0:4827 to receive multicast"},
    {"multicast_group", EB_CFG_STRING, "",
     "IPv4 multicast group the HTCP listener joins, e.g. 239.128.0.112; empty: none"},
    {"http_listen", EB_CFG_ADDRESS, "127.0.0.1:3128",
     "HTTP address that receives MediaWiki's PURGE requests (an entry of $wgCdnServers)"},
    {"stream", EB_CFG_STRING, "resource-purge",
     "stream of the resource_change events (then renamed by the stream-name map, if it lists it)"},
    {"domain", EB_CFG_STRING, "", "meta.domain of the events ($wgServerName); empty: the host of each URL"},
};

/// The answer of Varnish and Squid to a successful purge. MediaWiki ignores it (it only logs
/// failures), so all that matters is a 2xx that no client mistakes for an error.
constexpr int kPurgedStatus = 200;

bool isIpv4Multicast(const std::string& address) {
    in_addr a{};
    if (inet_pton(AF_INET, address.c_str(), &a) != 1) return false;
    return (ntohl(a.s_addr) >> 28) == 0xE;
}

std::string checkedText(const Host& host, const char* key) {
    std::string value = host.config(key);
    if (!json::isValidUtf8(value)) throw ConfigError(std::string("plugin.cdn-purge.") + key + " is not UTF-8");
    return value;
}

} // namespace

CdnPurgePlugin::CdnPurgePlugin(Host& host)
    : Plugin(host),
      _decoder(host.resolveStream(checkedText(host, "stream")), checkedText(host, "domain")),
      _multicastGroup(host.config("multicast_group")) {
    if (!_multicastGroup.empty() && !isIpv4Multicast(_multicastGroup))
        throw ConfigError("plugin.cdn-purge.multicast_group: " + _multicastGroup +
                          " is not an IPv4 multicast address (224.0.0.0/4)");
    host.addUdp("htcp", host.config("htcp_listen"), HtcpPacket::kMaxBytes,
                _multicastGroup.empty() ? nullptr : _multicastGroup.c_str());
    host.addHttpServer("http", host.config("http_listen"), "PURGE");
}

Status CdnPurgePlugin::decode(const Input& in, Sink& out) {
    const bool http = in.kind() == EB_LISTEN_HTTP;
    const PurgeRequestDecoder::Result result =
        http ? _decoder.decodeRequest(in.method(), in.uri(), in.header("Host")) : _decoder.decodeHtcp(in.data());
    if (!result.ok()) return out.reject(result.reason, result.message);
    if (!out.emit(EB_TYPE_PURGE, _decoder.stream(), result.id, result.json)) return Status::Rejected;
    if (http) out.respond(kPurgedStatus, "text/plain", std::string_view(""));
    return Status::Ok;
}

} // namespace cdnpurge
} // namespace eventbus

EVENTBUS_PLUGIN(eventbus::cdnpurge::CdnPurgePlugin, "cdn-purge", "1.0.0",
                "MediaWiki CDN purges (HTCP CLR over UDP or multicast, HTTP PURGE) as resource_change events",
                eventbus::cdnpurge::kConfigKeys)
