#include "LogThrottle.h"

namespace eventbus {

bool LogThrottle::allow(const std::string& key, size_t& suppressed)
{
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(_mutex);
    if (_entries.size() > 10000) _entries.clear(); // keys come from plugin reasons: keep it bounded
    auto& e = _entries[key];
    if (e.last.time_since_epoch().count() != 0 && now - e.last < _interval) {
        ++e.suppressed;
        return false;
    }
    suppressed = e.suppressed;
    e.suppressed = 0;
    e.last = now;
    return true;
}

} // namespace eventbus
