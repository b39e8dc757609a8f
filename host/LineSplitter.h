// Splits a byte stream (a TCP connection, a child's standard output) into lines: "\n" ends a
// line, a trailing "\r" is dropped, empty lines are skipped, and a line longer than the limit is
// reported once and skipped to its end without being buffered whole.
#ifndef EVENTBUS_HOST_LINESPLITTER_H
#define EVENTBUS_HOST_LINESPLITTER_H

#include <cstddef>
#include <string>
#include <string_view>

namespace eventbus {

class LineSplitter {
public:
    explicit LineSplitter(size_t limit) : _limit(limit) {}

    /// Feeds n bytes; calls onLine(std::string_view) per complete line and onOversized() per
    /// line over the limit.
    template <class OnLine, class OnOversized>
    void feed(const char* data, size_t n, OnLine&& onLine, OnOversized&& onOversized)
    {
        size_t start = 0;
        for (size_t i = 0; i < n; ++i) {
            if (data[i] != '\n') continue;
            if (!_discarding) {
                _pending.append(data + start, i - start);
                deliver(onLine, onOversized);
            }
            _pending.clear();
            _discarding = false;
            start = i + 1;
        }
        if (_discarding) return;
        _pending.append(data + start, n - start);
        if (_pending.size() > _limit) {
            onOversized();
            _pending.clear();
            _discarding = true;
        }
    }

    /// The stream ended: a last line without "\n" is still a line.
    template <class OnLine, class OnOversized>
    void finish(OnLine&& onLine, OnOversized&& onOversized)
    {
        if (!_discarding) deliver(onLine, onOversized);
        _pending.clear();
        _discarding = false;
    }

private:
    template <class OnLine, class OnOversized>
    void deliver(OnLine& onLine, OnOversized& onOversized)
    {
        if (!_pending.empty() && _pending.back() == '\r') _pending.pop_back();
        if (_pending.empty()) return;
        // The tail of a chunk can complete a line past the limit before the check in feed runs.
        if (_pending.size() > _limit) return onOversized();
        onLine(std::string_view(_pending));
    }

    size_t _limit;
    std::string _pending;
    bool _discarding = false; ///< inside an oversized line: skip to its end
};

} // namespace eventbus

#endif
