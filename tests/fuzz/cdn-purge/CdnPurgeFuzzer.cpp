// CDN purges: every input is tried as an HTCP CLR datagram (HtcpPacket through
// PurgeRequestDecoder::decodeHtcp) and, read as an HTTP request head, as a PURGE request: the
// request line's method and target and the Host header go to decodeRequest, as the host's HTTP
// server would hand them over.
#include "HtcpPacket.h"
#include "PurgeRequestDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <strings.h>

using eventbus::cdnpurge::PurgeRequestDecoder;

namespace {

std::string_view nextLine(std::string_view& rest)
{
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

void decodeAsRequest(const PurgeRequestDecoder& decoder, std::string_view input)
{
    std::string_view requestLine = nextLine(input);
    const size_t space = requestLine.find(' ');
    const std::string_view method = requestLine.substr(0, space);
    std::string_view target = space == std::string_view::npos ? std::string_view() : requestLine.substr(space + 1);
    target = target.substr(0, target.find(' '));
    std::string_view host;
    while (!input.empty()) {
        const std::string_view header = nextLine(input);
        if (header.size() >= 5 && strncasecmp(header.data(), "host:", 5) == 0) {
            host = header.substr(5);
            while (!host.empty() && host.front() == ' ') host.remove_prefix(1);
        }
    }
    decoder.decodeRequest(method, target, host);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const PurgeRequestDecoder withDomain("resource_change", "en.wikipedia.org");
    static const PurgeRequestDecoder hostOfUrl("resource_change", "");
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto packet = eventbus::cdnpurge::HtcpPacket::parse(input);
    if (packet.valid()) PurgeRequestDecoder::hostOf(packet.url());
    withDomain.decodeHtcp(input);
    hostOfUrl.decodeHtcp(input);
    decodeAsRequest(withDomain, input);
    decodeAsRequest(hostOfUrl, input);
    return 0;
}
