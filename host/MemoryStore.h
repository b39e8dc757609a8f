// The in-memory EventStore: per-service queues ordered by sequence number. Nothing survives a
// restart; dead letters go to a DeadLetterFile.
//
// take() moves events out to the dispatcher (copying them cost a malloc per string and event and
// 12-15 % of the daemon's CPU in the relay benchmark); the store keeps only the seqs in flight,
// and release() and deadLetter() get the events back.
#ifndef EVENTBUS_HOST_MEMORYSTORE_H
#define EVENTBUS_HOST_MEMORYSTORE_H

#include "DeadLetterFile.h"
#include "EventStore.h"

#include <deque>
#include <map>
#include <mutex>

namespace eventbus {

class MemoryStore : public EventStore {
public:
    /// deadLetterPath: where dead letters are appended as JSON lines; empty: nowhere.
    explicit MemoryStore(const std::string& deadLetterPath);

    bool append(Routed&& events) override;
    std::vector<StoredEvent> take(const std::string& service, const Accept& accept) override;
    void ack(const std::string& service, const std::vector<uint64_t>& seqs) override;
    void release(const std::string& service, std::vector<StoredEvent>&& events) override;
    void deadLetter(const std::string& service, std::vector<StoredEvent>&& events,
        const std::string& reason) override;
    StoreStats stats(const std::string& service) const override;
    size_t size() const override;
    size_t heldBytes() const override;

private:
    struct Queue {
        std::deque<StoredEvent> pending; ///< by seq: a released event regains its place
        std::vector<uint64_t> inFlight;  ///< sorted
        size_t pendingBytes = 0;
    };
    /// Drops the given seqs from the service's in-flight list; returns those that were there,
    /// sorted. Caller holds _mutex.
    std::vector<uint64_t> settle(const std::string& service, std::vector<uint64_t> seqs);
    /// The events among these whose seq settle() returned, in seq order.
    static std::vector<StoredEvent> settled(std::vector<StoredEvent>&& events, const std::vector<uint64_t>& seqs);

    mutable std::mutex _mutex;
    std::map<std::string, Queue> _queues;
    uint64_t _nextSeq = 1;
    size_t _count = 0; ///< pending and in flight
    size_t _bytes = 0; ///< footprints of the pending events
    DeadLetterFile _deadLetters;
};

} // namespace eventbus

#endif
