// Counts the events of an EventGate request body without parsing it, and collects the send
// stamps the load generator put into them, so the sink stays far cheaper than the daemon.
#ifndef EVENTBUS_BENCH_BODYSCANNER_H
#define EVENTBUS_BENCH_BODYSCANNER_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace eventbus {
namespace bench {

class BodyScanner {
public:
    /// The key the load generator writes into every event: "bench_ts":<16-digit microseconds>.
    static const char STAMP_KEY[];

    /// Appends every stamp found in body to stamps and returns the number of events: the stamp
    /// count when there are stamps, else the top-level elements of a JSON array (1 for an object).
    static size_t scan(const char* body, size_t size, std::vector<int64_t>& stamps);

    /// Elements of a top-level JSON array, 1 for a top-level object, 0 otherwise; strings are
    /// skipped so that brackets and commas inside them do not count.
    static size_t countTopLevel(const char* body, size_t size);
};

} // namespace bench
} // namespace eventbus

#endif
