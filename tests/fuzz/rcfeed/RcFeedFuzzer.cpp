// RC feed datagrams: whatever arrives on the UDP port goes to RcFeedDecoder::decode. Its validated
// path (simdjson, copying runs of the change verbatim) must give the event the general path
// (RapidJSON's reader and the change writer) gives, or leave the datagram to it: the two are
// compared on every input, meta.id aside (a fresh UUID per event).
#include "RcFeedDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using eventbus::rcfeed::RcFeedDecoder;

std::string withoutId(const RcFeedDecoder::Result& r)
{
    if (!r.ok()) return r.json;
    std::string json = r.json;
    json.replace(r.idOffset, 36, 36, '0');
    return json;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const RcFeedDecoder decoder("mediawiki.recentchange", "/wiki/$1");
    const std::string_view datagram(reinterpret_cast<const char*>(data), size);
    const auto fast = decoder.decode(datagram);
    const auto general = decoder.decodeGeneral(datagram);
    if (fast.ok() != general.ok()) __builtin_trap();
    if (!fast.ok() && std::string_view(fast.reason) != general.reason) __builtin_trap();
    if (withoutId(fast) != withoutId(general)) __builtin_trap();
    return 0;
}
