#include "HtcpPacket.h"

#include <cstdio>

namespace eventbus {
namespace cdnpurge {

namespace {

constexpr size_t kOpcodeOffset = 6;
constexpr size_t kTransactionIdOffset = 8;
constexpr size_t kMethodOffset = 14;
constexpr unsigned char kClrSquidOrder = 0x04;
constexpr unsigned char kClrRfcOrder = 0x40;

unsigned byteAt(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

unsigned uint16At(std::string_view s, size_t i) { return byteAt(s, i) << 8 | byteAt(s, i + 1); }

/// Reads the COUNTSTR (16-bit length, then that many bytes) at offset; false when it runs past the end.
bool readCountStr(std::string_view s, size_t& offset, std::string_view& value) {
    if (offset + 2 > s.size()) return false;
    const size_t len = uint16At(s, offset);
    if (offset + 2 + len > s.size()) return false;
    value = s.substr(offset + 2, len);
    offset += 2 + len;
    return true;
}

} // namespace

HtcpPacket HtcpPacket::invalid(const char* reason, std::string error) {
    HtcpPacket p;
    p._reason = reason;
    p._error = std::move(error);
    return p;
}

HtcpPacket HtcpPacket::parse(std::string_view datagram) {
    if (datagram.size() > kMaxBytes)
        return invalid("oversized", "HTCP datagram of " + std::to_string(datagram.size()) + " bytes");
    if (datagram.size() < kMinBytes)
        return invalid("truncated_htcp", "HTCP datagram of " + std::to_string(datagram.size()) +
                                             " bytes is shorter than the 20-byte minimum");
    const unsigned opcode = byteAt(datagram, kOpcodeOffset);
    if (opcode != kClrSquidOrder && opcode != kClrRfcOrder) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", opcode);
        return invalid("not_htcp_clr", std::string("opcode byte ") + hex + " is not CLR (0x04 or 0x40)");
    }
    const size_t declared = uint16At(datagram, 0);
    if (declared > datagram.size())
        return invalid("truncated_htcp", "HTCP length says " + std::to_string(declared) + " bytes, got " +
                                             std::to_string(datagram.size()));

    HtcpPacket p;
    p._transactionId = static_cast<uint32_t>(uint16At(datagram, kTransactionIdOffset)) << 16 |
                       uint16At(datagram, kTransactionIdOffset + 2);
    size_t offset = kMethodOffset;
    if (!readCountStr(datagram, offset, p._method))
        return invalid("truncated_htcp", "METHOD runs past the end of the datagram");
    if (!readCountStr(datagram, offset, p._url))
        return invalid("truncated_htcp", "URI runs past the end of the datagram");
    return p;
}

} // namespace cdnpurge
} // namespace eventbus
