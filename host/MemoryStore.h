// The in-memory EventStore: per-service queues ordered by sequence number. Nothing survives a
// restart; dead letters go to a DeadLetterFile.
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
    void release(const std::string& service, const std::vector<uint64_t>& seqs) override;
    void deadLetter(const std::string& service, const std::vector<uint64_t>& seqs,
        const std::string& reason) override;
    StoreStats stats(const std::string& service) const override;
    size_t size() const override;
    size_t heldBytes() const override;

private:
    struct Queue {
        std::map<uint64_t, StoredEvent> pending; ///< by seq: a released event regains its place
        std::map<uint64_t, StoredEvent> inFlight;
        size_t pendingBytes = 0;
    };
    /// Removes the in-flight events of seqs from the queue and returns them.
    std::vector<StoredEvent> settle(const std::string& service, const std::vector<uint64_t>& seqs);

    mutable std::mutex _mutex;
    std::map<std::string, Queue> _queues;
    uint64_t _nextSeq = 1;
    size_t _count = 0;
    size_t _bytes = 0;
    DeadLetterFile _deadLetters;
};

} // namespace eventbus

#endif
