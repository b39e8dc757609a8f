// Capped exponential backoff with full jitter for one destination: after the n-th consecutive
// failure the next attempt waits a uniformly random time in [0, min(max, base * 2^(n-1))].
#ifndef EVENTBUS_HOST_BACKOFF_H
#define EVENTBUS_HOST_BACKOFF_H

#include <chrono>
#include <functional>
#include <random>

namespace eventbus {

class Backoff {
public:
    using Clock = std::chrono::steady_clock;
    /// Returns a number in [0, 1]; replaceable so tests can pin the jitter.
    using Uniform = std::function<double()>;

    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max, Uniform uniform = {});
    Backoff(const Backoff&) = delete; ///< the default jitter source refers to this object
    Backoff& operator=(const Backoff&) = delete;

    /// Records a failed attempt at `now` and returns the drawn delay before the next one.
    std::chrono::milliseconds failure(Clock::time_point now);
    /// A success ends the failing state.
    void success();

    /// At least one failure since the last success.
    bool failing() const;
    /// The earliest time of the next attempt; in the past when not failing.
    Clock::time_point readyAt() const;
    /// The delay drawn at the last failure; zero when not failing.
    std::chrono::milliseconds currentDelay() const;
    int consecutiveFailures() const;

private:
    std::chrono::milliseconds _base;
    std::chrono::milliseconds _max;
    Uniform _uniform;
    std::mt19937_64 _random;
    int _failures = 0;
    std::chrono::milliseconds _delay{0};
    Clock::time_point _readyAt;
};

} // namespace eventbus

#endif
