// The in-memory EventStore: per-service queues ordered by sequence number. Nothing survives a
// restart; dead letters go to a DeadLetterFile.
//
// take() moves events out to the dispatcher (copying them cost a malloc per string and event and
// 12-20 % of the daemon's CPU in the relay benchmark); the store keeps only the seqs in flight,
// and release() and deadLetter() get the events back. Every event taken is older than every event
// never taken, so released events wait in their own ordered map ahead of the queue: a release
// costs O(k log k), however long the backlog.
#ifndef EVENTBUS_HOST_MEMORYSTORE_H
#define EVENTBUS_HOST_MEMORYSTORE_H

#include "DeadLetterFile.h"
#include "EventStore.h"

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
        std::map<uint64_t, StoredEvent> released; ///< pending again after a failed delivery; taken first
        /// Pending, never taken, in seq order: fresh[freshHead...]. A vector rather than a deque,
        /// whose nodes hold two events each (a malloc and a free per two events: 3 % of the
        /// daemon's CPU in the relay benchmark); taken slots are reclaimed by compact().
        std::vector<StoredEvent> fresh;
        size_t freshHead = 0;
        std::vector<uint64_t> inFlight; ///< sorted
        size_t pendingBytes = 0;
        size_t freshCount() const { return fresh.size() - freshHead; }
        size_t pending() const { return released.size() + freshCount(); }
        /// Drops the taken slots before freshHead once they are half the vector, and gives memory
        /// back once the queue has shrunk well below its peak. Does not throw.
        void compact();
    };
    /// Which of these events are in flight in the queue (each seq once), in events' order.
    /// Allocates, changes nothing.
    static std::vector<size_t> inFlightAmong(const Queue& queue, const std::vector<StoredEvent>& events);
    /// The seqs of events[picks], in picks' order (sorted, for picks from inFlightAmong).
    static std::vector<uint64_t> seqsAt(const std::vector<StoredEvent>& events, const std::vector<size_t>& picks);
    /// Drops these seqs (all in flight) from the in-flight list. Does not throw.
    void settle(Queue& queue, const std::vector<uint64_t>& sortedSeqs);

    mutable std::mutex _mutex;
    std::map<std::string, Queue> _queues;
    uint64_t _nextSeq = 1;
    size_t _count = 0; ///< pending and in flight
    size_t _bytes = 0; ///< footprints of the pending events
    DeadLetterFile _deadLetters;
};

} // namespace eventbus

#endif
