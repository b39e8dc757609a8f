// EventGate relay bodies: RelayDecoder scans the body and must give events whose views lie in the
// body or in the result; reading each view back lets ASan catch one that points elsewhere. Its
// two readers (recursive, iterative) are compared on every input.
#include "RelayDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using eventbus::relay::RelayDecoder;

namespace {

std::string fixedId() { return "00000000-0000-4000-8000-000000000000"; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto result = RelayDecoder::decode(body, "2026-01-01T00:00:00Z", fixedId);
    size_t sum = 0;
    for (const auto& e : result.events)
        for (char c : e.json) sum += static_cast<unsigned char>(c);
    volatile size_t sink = sum;
    (void)sink;
    // The recursive reader (the default) and the iterative one must agree on every input.
    const auto reference =
        RelayDecoder::decode(body, "2026-01-01T00:00:00Z", fixedId, RelayDecoder::Walk::Iterative);
    if (reference.error != result.error || reference.reason != result.reason ||
        reference.events.size() != result.events.size())
        __builtin_trap();
    for (size_t i = 0; i < result.events.size(); ++i)
        if (reference.events[i].json != result.events[i].json || reference.events[i].stream != result.events[i].stream ||
            reference.events[i].id != result.events[i].id)
            __builtin_trap();
    RelayDecoder::isHasty(body);
    return 0;
}
