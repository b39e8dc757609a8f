// One event service's durable queue: its spool file, a bounded in-memory index of what is
// pending and in flight, and the writer thread that commits appends in groups.
//
// Bodies stay on disk: the index keeps a window of the oldest pending events (seq, sizes,
// attempts, ingress time) and only counts the rest (the tail, every row above the window), which
// take() loads back as the window empties. So a backlog is bounded by the disk budget, not memory.
// Nothing in the file says what is in flight: after a crash every stored row is pending again,
// which is what makes delivery at-least-once.
#ifndef EVENTBUS_HOST_SPOOLQUEUE_H
#define EVENTBUS_HOST_SPOOLQUEUE_H

#include "EventStore.h"
#include "LogThrottle.h"
#include "SpoolSettings.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace Poco {
class Logger;
}

namespace eventbus {

class MetricsRegistry;
class SpoolDatabase;
class SpoolStatement;

class SpoolQueue {
public:
    /// Events handed to the writer together, committed in one transaction with others.
    struct AppendGroup {
        std::vector<Event> events;
        uint64_t reserved = 0; ///< disk budget booked for them
        bool done = false;
        bool stored = false;
    };

    /// Opens (or creates) the service's file. A corrupt file is moved aside, counted and replaced
    /// by an empty one; a file of a newer format is refused (SpoolFormatError).
    SpoolQueue(const std::string& service, const std::string& path, const SpoolSettings& settings,
        MetricsRegistry& metrics);
    /// Commits what is queued (acknowledgements, dead letters), then closes the file.
    ~SpoolQueue();
    SpoolQueue(const SpoolQueue&) = delete;
    SpoolQueue& operator=(const SpoolQueue&) = delete;

    /// What one event costs against the disk budget.
    static uint64_t diskCost(const Event& event);
    /// Books bytes against the disk budget; false (and counted) when they do not fit.
    bool reserve(uint64_t bytes);
    void unreserve(uint64_t bytes);
    /// Hands reserved events to the writer. Returns at once; wait() for the commit.
    std::shared_ptr<AppendGroup> enqueue(std::vector<Event>&& events, uint64_t reserved);
    /// Blocks until the group is committed (true) or failed (false).
    bool wait(const std::shared_ptr<AppendGroup>& group);

    std::vector<StoredEvent> take(const EventStore::Accept& accept);
    void ack(const std::vector<uint64_t>& seqs);
    void release(const std::vector<uint64_t>& seqs);
    void deadLetter(const std::vector<uint64_t>& seqs, const std::string& reason);
    StoreStats stats() const;
    size_t size() const;
    size_t heldBytes() const;

private:
    struct Entry {
        uint32_t bytes = 0;   ///< the body (what pendingBytes counts)
        uint32_t extra = 0;   ///< the other strings of the row
        int32_t attempts = 0;
        int64_t ingressUs = 0;
        uint64_t cost() const;
    };
    /// A row leaving the events table (acknowledged, dead-lettered or quarantined).
    struct Removal {
        uint64_t seq;
        uint64_t cost;
        std::shared_ptr<const std::string> reason; ///< null for an acknowledgement
    };
    struct Work {
        std::vector<std::shared_ptr<AppendGroup>> appends;
        std::vector<Removal> acks;
        std::vector<Removal> letters;
        std::vector<Removal> quarantined;
        std::vector<std::pair<uint64_t, int32_t>> attempts;
        bool empty() const;
    };
    /// What a commit added to the table, in seq order.
    using Added = std::vector<std::pair<uint64_t, Entry>>;

    void open();
    void close();
    void replay();
    void writeLoop();
    /// synchronous=NORMAL: checkpoints (which fsync the WAL, then the database) run here, on a
    /// connection of their own, so commits never wait for the disk; the writer only marks that
    /// something is unsynced.
    void syncLoop();
    /// Another process (eventbus-spool) committed to the file since the last look.
    bool changedByOthers();
    /// One transaction for work, and for what another process changed; throws SpoolError,
    /// rolling back.
    void commit(Work& work, bool foreign, Added& added, uint64_t& nextSeq, int64_t& deadBytes);
    void requeue(Added& added, uint64_t& nextSeq, int64_t& requeued);
    /// Settles the index after a commit attempt (called with _mutex held).
    void apply(Work& work, bool stored, const Added& added);
    void addPending(uint64_t seq, const Entry& entry);
    /// Loads the next rows of the tail into the window when it runs low (take's thread only).
    void refill();
    /// The rows of candidates, in order; nullopt for a row that was quarantined or is missing.
    std::vector<std::optional<StoredEvent>> load(const std::vector<std::pair<uint64_t, Entry>>& candidates);
    void updateGauges();
    /// Logs an error, at most once per interval per kind, so a failing disk or a damaged range
    /// of records does not flood the journal.
    void logError(const std::string& kind, const std::string& message);

    std::string _service;
    std::string _path;
    SpoolSettings _settings;
    MetricsRegistry& _metrics;
    Poco::Logger& _log;
    LogThrottle _throttle;

    std::unique_ptr<SpoolDatabase> _writer; ///< the writer thread's connection
    std::unique_ptr<SpoolDatabase> _reader; ///< take()'s connection, guarded by _readMutex
    struct WriterStatements;
    std::unique_ptr<WriterStatements> _writes;
    std::unique_ptr<SpoolStatement> _readRows;
    std::unique_ptr<SpoolStatement> _readIndex;
    std::mutex _readMutex;
    int64_t _dataVersion = -1; ///< the writer thread's last PRAGMA data_version

    mutable std::mutex _mutex; ///< everything below
    std::condition_variable _workReady;
    std::condition_variable _committed;
    Work _work;
    size_t _queuedBytes = 0;
    bool _stopping = false;

    std::map<uint64_t, Entry> _window; ///< pending, oldest first; released events regain their place
    std::map<uint64_t, Entry> _inFlight;
    size_t _windowBytes = 0;
    uint64_t _windowHigh = 0;  ///< every pending event above this seq is in the tail
    uint64_t _indexedHigh = 0; ///< the highest committed seq
    size_t _tailCount = 0;
    uint64_t _tailBytes = 0;
    uint64_t _nextSeq = 1;
    int64_t _eventBytes = 0;   ///< the events table against the disk budget
    int64_t _deadBytes = 0;    ///< dead letters and quarantined rows
    uint64_t _reserved = 0;

    std::thread _thread;
    std::unique_ptr<SpoolDatabase> _syncer; ///< the sync thread's connection (interval policy)
    std::mutex _syncMutex;
    std::condition_variable _syncWake;
    bool _unsynced = false;    ///< guarded by _syncMutex
    bool _syncStopping = false; ///< guarded by _syncMutex
    std::thread _syncThread;
};

} // namespace eventbus

#endif
