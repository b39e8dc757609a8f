// Monolog input: every input is one TCP JSON line, one UDP datagram (RFC 5424 syslog frame,
// udp2log line or bare record) and, for the channel map key, a channel=stream list.
#include "MonologRecordDecoder.h"
#include "SyslogFrame.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using eventbus::monolog::MonologRecordDecoder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const MonologRecordDecoder decoder({{"api-request", "mediawiki.api-request"}, {"squid", "squid.log"}});
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    decoder.decodeLine(input);
    decoder.decodeDatagram(input);
    const auto frame = eventbus::monolog::SyslogFrame::parse(input);
    if (frame.valid()) decoder.decodeLine(frame.message());
    MonologRecordDecoder::ChannelStreams streams;
    std::string error;
    MonologRecordDecoder::parseChannelStreams(input, streams, error);
    return 0;
}
