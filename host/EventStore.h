// Where the dispatcher keeps events between submit and delivery. MemoryStore is the in-memory
// implementation; a durable store implements the same interface.
#ifndef EVENTBUS_HOST_EVENTSTORE_H
#define EVENTBUS_HOST_EVENTSTORE_H

#include "Event.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace eventbus {

/// An event held by a store, in one service's queue.
struct StoredEvent {
    uint64_t seq = 0;  ///< assigned by the store; increasing in append order
    std::string service;
    Event event;
    int attempts = 0;  ///< deliveries released for retry so far
};

/// One service's queue as the scheduler sees it.
struct StoreStats {
    size_t pending = 0;
    size_t pendingBytes = 0;     ///< sum of the pending events' JSON sizes
    size_t inFlight = 0;
    int64_t oldestPendingUs = 0; ///< ingressUs of the first pending event (linger runs from it)
};

/// Every event is pending (waiting for a batch), in flight (taken, not yet settled), or gone
/// (acknowledged or dead-lettered). Implementations are thread-safe.
class EventStore {
public:
    /// (service, event) pairs, as the router assigned them.
    using Routed = std::vector<std::pair<std::string, Event>>;
    /// Asked for each candidate event, in queue order, while taking a batch; false ends the batch.
    using Accept = std::function<bool(const Event&)>;

    virtual ~EventStore() = default;

    /// Appends all the events or none; false when the store's own limit (e.g. disk) is reached.
    virtual bool append(Routed&& events) = 0;
    /// Moves the oldest pending events of the service in flight, in order, while accept says yes,
    /// and hands them to the caller, who gives each back with exactly one of ack, release or
    /// deadLetter. What the caller holds is its memory: heldBytes() no longer counts it.
    virtual std::vector<StoredEvent> take(const std::string& service, const Accept& accept) = 0;
    /// Delivered: forget these in-flight events.
    virtual void ack(const std::string& service, const std::vector<uint64_t>& seqs) = 0;
    /// Back to pending, in their original order ahead of newer events, attempts + 1. The events
    /// are the ones take() handed out (a store that keeps no copy moves them back out of the
    /// vector); those no longer in flight are ignored and left alone. A throw takes none back.
    virtual void release(const std::string& service, std::vector<StoredEvent>&& events) = 0;
    /// Never deliverable: keep the events with their reason out of the queue. As for release:
    /// when keeping the letters fails, the events stay in flight (the caller's).
    virtual void deadLetter(const std::string& service, std::vector<StoredEvent>&& events,
        const std::string& reason) = 0;

    virtual StoreStats stats(const std::string& service) const = 0;
    /// Pending plus in-flight events over all services.
    virtual size_t size() const = 0;
    /// Memory this store holds for its events (not those taken and not yet settled, which
    /// their taker holds); the dispatcher's memory budget counts it.
    virtual size_t heldBytes() const = 0;

    /// What holding one event costs in memory, the unit of heldBytes and of the memory budget.
    static size_t footprint(const Event& event);
    /// The events' sequence numbers, in order.
    static std::vector<uint64_t> seqsOf(const std::vector<StoredEvent>& events);
};

} // namespace eventbus

#endif
