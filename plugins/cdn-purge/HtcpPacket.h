#ifndef EVENTBUS_CDNPURGE_HTCPPACKET_H
#define EVENTBUS_CDNPURGE_HTCPPACKET_H

#include <cstdint>
#include <string>
#include <string_view>

namespace eventbus {
namespace cdnpurge {

/// An HTCP CLR datagram as MediaWiki (and node-htcp-purge) packs it, read as tolerantly as
/// Wikimedia's vhtcpd reads it: the opcode byte at offset 6 must say CLR (4 in Squid's nibble
/// order, as MediaWiki writes it, or 0x40 in RFC 2756's), then the METHOD and URI COUNTSTRs
/// from offset 14; VERSION, headers and AUTH are not needed and not checked.
/// The views point into the parsed datagram and live as long as it does.
class HtcpPacket {
public:
    static constexpr size_t kMinBytes = 20;    ///< vhtcpd's lower bound
    static constexpr size_t kMaxBytes = 65507; ///< the largest UDP payload

    /// Parses one datagram. Never throws; check valid() before using the fields.
    static HtcpPacket parse(std::string_view datagram);

    bool valid() const { return _reason == nullptr; }
    /// Metric label of the problem ("oversized", "truncated_htcp", "not_htcp_clr"); nullptr when valid.
    const char* reason() const { return _reason; }
    /// What is wrong, for the log; empty when valid.
    const std::string& error() const { return _error; }

    uint32_t transactionId() const { return _transactionId; }
    std::string_view method() const { return _method; }
    std::string_view url() const { return _url; }

private:
    HtcpPacket() = default;
    static HtcpPacket invalid(const char* reason, std::string error);

    const char* _reason = nullptr;
    std::string _error;
    uint32_t _transactionId = 0;
    std::string_view _method;
    std::string_view _url;
};

} // namespace cdnpurge
} // namespace eventbus

#endif
