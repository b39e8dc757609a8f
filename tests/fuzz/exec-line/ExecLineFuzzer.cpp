// Exec lines: each line a child command writes to its standard output.
#include "ExecLineDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    eventbus::ExecLineDecoder::decode(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
