// Microseconds since the Unix epoch: the load generator stamps events with it and the sink
// subtracts it from the arrival time, so both must read the same (realtime) clock.
#ifndef EVENTBUS_BENCH_WALLCLOCK_H
#define EVENTBUS_BENCH_WALLCLOCK_H

#include <cstdint>
#include <ctime>

namespace eventbus {
namespace bench {

inline int64_t wallMicroseconds()
{
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

} // namespace bench
} // namespace eventbus

#endif
