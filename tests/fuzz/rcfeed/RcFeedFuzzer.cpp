// RC feed datagrams: whatever arrives on the UDP port goes to RcFeedDecoder::decode.
#include "RcFeedDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const eventbus::rcfeed::RcFeedDecoder decoder("mediawiki.recentchange", "/wiki/$1");
    decoder.decode(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
