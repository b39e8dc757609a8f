// Hook payloads: an input "<route>\n<body>" goes to that route (the seeds in corpus/ are the
// fixtures so prefixed); any other input goes to every route, which is thorough but 19 times slower.
#include "PageChangeDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using eventbus::pagechange::PageChangeDecoder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const PageChangeDecoder decoder([] {
        eventbus::pagechange::WikiSettings w;
        w.serverName = "en.wikipedia.org";
        w.canonicalServer = "https://en.wikipedia.org";
        w.database = "enwiki";
        w.wikiMap["dewiki"] = {"https://de.wikipedia.org", "/wiki/$1"};
        return w;
    }(), "mediawiki.page_change.v1", "mediawiki.user_change.v1");
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t newline = input.find('\n');
    const auto& routes = PageChangeDecoder::routeNames();
    if (newline != std::string_view::npos) {
        const std::string_view route = input.substr(0, newline);
        for (const auto& r : routes)
            if (r == route) {
                decoder.decode(route, input.substr(newline + 1), "");
                return 0;
            }
    }
    for (const auto& r : routes) decoder.decode(r, input, "header-request-id");
    return 0;
}
