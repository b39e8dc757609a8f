// Job specifications posted to the jobqueue plugin: one spec or a list, JSON.
#include "JobSpecDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace eventbus::jobqueue;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const JobSpecDecoder decoder([] {
        JobQueueSettings s;
        s.secret = "secret";
        s.serverName = "en.wikipedia.org";
        s.wikiDomains = {{"enwiki", "en.wikipedia.org"}, {"dewiki", "de.wikipedia.org"}};
        return s;
    }());
    static const JobRequestContext context{"fc3a8587259ca5fc085ca830", "2026-01-01T00:00:00Z",
                                           [] { return std::string("b14a2ee4-f5df-40f3-b995-ce6c954e29e3"); }};
    decoder.decode(std::string_view(reinterpret_cast<const char*>(data), size), context);
    return 0;
}
