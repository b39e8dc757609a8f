// EventGate relay bodies: RelayDecoder scans the body and must give events whose views lie in the
// body or in the result; reading each view back lets ASan catch one that points elsewhere. Its
// walks (simdjson's validated path, RapidJSON's recursive and iterative readers) are compared on
// every input.
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
    // Every walk (the default's simdjson path, the recursive reader) must agree with the
    // iterative reference on every input.
    const auto reference =
        RelayDecoder::decode(body, "2026-01-01T00:00:00Z", fixedId, RelayDecoder::Walk::Iterative);
    const auto recursive =
        RelayDecoder::decode(body, "2026-01-01T00:00:00Z", fixedId, RelayDecoder::Walk::Recursive);
    for (const auto* r : {&result, &recursive}) {
        if (reference.error != r->error || reference.reason != r->reason || reference.events.size() != r->events.size())
            __builtin_trap();
        for (size_t i = 0; i < r->events.size(); ++i)
            if (reference.events[i].json != r->events[i].json || reference.events[i].stream != r->events[i].stream ||
                reference.events[i].id != r->events[i].id)
                __builtin_trap();
    }
    RelayDecoder::isHasty(body);
    return 0;
}
