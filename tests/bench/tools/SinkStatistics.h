// What the sink saw since its last reset: requests, events, bytes and, per stamped event, the
// time from the load generator's send to the sink's arrival.
#ifndef EVENTBUS_BENCH_SINKSTATISTICS_H
#define EVENTBUS_BENCH_SINKSTATISTICS_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace eventbus {
namespace bench {

class SinkStatistics {
public:
    SinkStatistics();

    /// One accepted request that arrived at arrivalUs with events events in bytes body bytes;
    /// stamps are the send times found in it.
    void record(int64_t arrivalUs, size_t events, size_t bytes, const std::vector<int64_t>& stamps);
    void reset();

    uint64_t events() const { return _events; }

    /// The figures as one JSON object (latency percentiles in microseconds).
    std::string toJson() const;

private:
    int64_t _startUs;
    int64_t _firstUs = 0;
    int64_t _lastUs = 0;
    uint64_t _requests = 0;
    uint64_t _events = 0;
    uint64_t _bytes = 0;
    std::vector<int64_t> _latenciesUs;
};

} // namespace bench
} // namespace eventbus

#endif
