// Batches of already-serialized events: a body is "[" + the events joined by "," + "]", bounded
// by max events and max bytes, flushed when full or when the oldest event has lingered long enough.
#ifndef EVENTBUS_HOST_BATCHER_H
#define EVENTBUS_HOST_BATCHER_H

#include "Event.h"
#include "EventStore.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace eventbus {

class Batcher {
public:
    struct Limits {
        size_t maxEvents = 1000;
        size_t maxBytes = 4194304;   ///< of the whole body, brackets and commas included
        int64_t lingerUs = 20000;
        bool sameClientIp = false;   ///< x-client-ip forwarding: one client per batch
    };

    /// Accepts events for one batch as the store offers them, in order. The first event is always
    /// taken, even when it alone is over maxBytes: the caller then dead-letters it (oversized())
    /// instead of retrying it forever. Later events join while the body stays within the limits
    /// and they share the first event's type (the metrics label a batch by type) and, when
    /// sameClientIp, its client address.
    class Builder {
    public:
        explicit Builder(const Limits& limits);
        /// True when the event joins the batch.
        bool add(const Event& event);
        /// The single event taken is larger than maxBytes on its own.
        bool oversized() const;
        /// The batch ended because the next event would have exceeded maxBytes (the extension's
        /// event_batch_partitioned_total).
        bool partitioned() const;
        size_t bodySize() const;
        size_t count() const;

    private:
        Limits _limits;
        size_t _count = 0;
        size_t _bodySize = 2;
        int _type = 0;
        std::string _clientIp;
        bool _partitioned = false;
    };

    explicit Batcher(const Limits& limits);

    const Limits& limits() const;
    Builder builder() const;

    /// A batch is due when the queue holds a full batch, or its oldest event waited lingerUs.
    bool due(const StoreStats& queue, int64_t nowUs) const;
    /// When a partial batch becomes due (wall-clock microseconds).
    int64_t dueAtUs(const StoreStats& queue) const;

    /// The request body of these events.
    static std::string join(const std::vector<StoredEvent>& events);

private:
    Limits _limits;
};

} // namespace eventbus

#endif
