#include "Backoff.h"

#include <algorithm>
#include <cmath>

namespace eventbus {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds max, Uniform uniform)
    : _base(std::max(base, std::chrono::milliseconds(1)))
    , _max(std::max(max, _base))
    , _uniform(std::move(uniform))
    , _random(std::random_device{}())
{
    if (!_uniform) {
        _uniform = [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(_random); };
    }
}

std::chrono::milliseconds Backoff::failure(Clock::time_point now)
{
    // Doubling stops at the cap; the exponent is bounded so the shift cannot overflow.
    double ceiling = static_cast<double>(_base.count()) * std::ldexp(1.0, std::min(_failures, 40));
    ceiling = std::min(ceiling, static_cast<double>(_max.count()));
    ++_failures;
    double jitter = std::clamp(_uniform(), 0.0, 1.0);
    _delay = std::chrono::milliseconds(static_cast<long long>(std::llround(ceiling * jitter)));
    _readyAt = now + _delay;
    return _delay;
}

void Backoff::success()
{
    _failures = 0;
    _delay = std::chrono::milliseconds(0);
    _readyAt = Clock::time_point();
}

bool Backoff::failing() const
{
    return _failures > 0;
}

Backoff::Clock::time_point Backoff::readyAt() const
{
    return _readyAt;
}

std::chrono::milliseconds Backoff::currentDelay() const
{
    return _delay;
}

int Backoff::consecutiveFailures() const
{
    return _failures;
}

} // namespace eventbus
