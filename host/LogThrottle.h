// Rate-limits repeated log lines: the first occurrence of a key is logged, then at most one line
// per interval saying how many were suppressed. Hostile input must not flood the journal.
#ifndef EVENTBUS_HOST_LOGTHROTTLE_H
#define EVENTBUS_HOST_LOGTHROTTLE_H

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace eventbus {

class LogThrottle {
public:
    explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(10)) : _interval(interval) {}

    /// Returns true when a line for key should be written now; suppressed receives how many
    /// lines for key were dropped since the last one written.
    bool allow(const std::string& key, size_t& suppressed);

private:
    struct Entry {
        std::chrono::steady_clock::time_point last{};
        size_t suppressed = 0;
    };
    std::chrono::milliseconds _interval;
    std::mutex _mutex;
    std::map<std::string, Entry> _entries;
};

} // namespace eventbus

#endif
