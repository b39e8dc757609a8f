// One event service's durable queue: its spool file, a bounded in-memory index of what is
// pending and in flight, and the writer thread that commits appends in groups.
//
// Bodies stay on disk: the index keeps a window of the oldest pending events (seq, sizes,
// attempts, ingress time) and the segments they belong to, and only counts the rest (the tail,
// every segment above the window), which take() loads back as the window empties. So a backlog is
// bounded by the disk budget, not memory. Nothing in the file says what is in flight: after a
// crash every stored event that is not settled is pending again, which is what makes delivery
// at-least-once.
//
// Each append is encoded (SpoolRecords) on the appending thread and stored as one segment row;
// once committed, its events themselves stay in a small cache (CACHE_BYTES) until take() has taken
// them, so a spool that keeps up neither reads back nor decodes what it just wrote. The writer
// thread settles acknowledged events of a segment as event_states rows until the last one, when
// it deletes the segment instead.
#ifndef EVENTBUS_HOST_SPOOLQUEUE_H
#define EVENTBUS_HOST_SPOOLQUEUE_H

#include "EventStore.h"
#include "LogThrottle.h"
#include "SpoolRecords.h"
#include "SpoolSettings.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
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
    struct Entry {
        uint32_t bytes = 0;   ///< the body (what pendingBytes counts)
        uint32_t extra = 0;   ///< the other strings of the record
        int32_t attempts = 0;
        int64_t ingressUs = 0;
        uint64_t cost() const;
    };

public:
    /// Events handed to the writer together, committed in one transaction with others.
    struct AppendGroup {
        std::vector<SpoolRecords> segments; ///< the events, encoded
        std::vector<Event> events;          ///< the events themselves, for the cache once committed
        std::vector<Entry> entries;         ///< their index entries, in order
        size_t held = 0;                    ///< memory the encoding holds until the commit
        uint64_t reserved = 0;              ///< disk budget booked for them
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
    /// Encodes reserved events for the writer, which keeps them in the cache once committed if it
    /// has room. Returns at once; wait() for the commit.
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
    /// An event leaving the queue: acknowledged, dead-lettered or quarantined.
    struct Removal {
        enum Kind { ACK, LETTER, QUARANTINE };
        Kind kind;
        uint64_t seq;
        uint64_t cost;
        int32_t attempts;
        std::shared_ptr<const std::string> reason; ///< null for an acknowledgement
        uint64_t segment = 0; ///< its segment's first_seq, once settled
    };
    /// Hands in-flight events to the writer to leave the queue; seqs not in flight are skipped.
    void remove(const std::vector<uint64_t>& seqs, Removal::Kind kind,
                const std::shared_ptr<const std::string>& reason);
    /// A segment's events as appended, kept while the cache has room and take() has not taken
    /// all of them: take() moves them out instead of reading them back from the file. Only take()
    /// touches the slots (under _readMutex); a slot is empty while its event is taken.
    struct Cached {
        std::vector<std::optional<Event>> slots; ///< by seq - first
        size_t bytes = 0; ///< the footprint of the events not taken yet (guarded by _mutex)
    };
    /// A segment of the window: how many of its events are not settled yet.
    struct Segment {
        uint32_t count = 0;
        uint32_t remaining = 0;
        bool hasStates = false; ///< event_states rows exist (or may) for its events
        std::shared_ptr<Cached> cached; ///< null: not (or no longer) in the cache
        uint32_t untaken = 0; ///< events take() has not taken yet
    };
    /// What take() reads a segment from.
    struct Source {
        uint64_t first;
        uint64_t end;
        std::shared_ptr<Cached> cached; ///< null: read from the file
    };
    /// A segment all of whose events are settled: deleted from the file.
    struct Drop {
        uint64_t first;
        uint32_t count;
        bool hasStates;
    };
    struct Work {
        std::vector<std::shared_ptr<AppendGroup>> appends;
        std::vector<Removal> removals;                      ///< not yet settled against _segments
        std::vector<std::pair<uint64_t, int32_t>> attempts; ///< seq, attempts so far
        // What settle() made of removals; kept for the next transaction when a commit fails.
        std::vector<Removal> settled;
        std::vector<uint64_t> states; ///< events settled out of a segment that stays
        std::vector<Drop> drops;
        /// Segments whose count does not match their records: quarantined whole and deleted.
        std::vector<uint64_t> damaged;
        bool empty() const;
    };
    /// What a commit added to the file, in seq order.
    struct Added {
        struct Segment {
            uint64_t first;
            uint32_t count;
            Event* events; ///< its events (count of them), to cache; null for requeued dead letters
        };
        std::vector<std::pair<uint64_t, Entry>> events;
        std::vector<Segment> segments;
        int64_t droppedBytes = 0; ///< what damaged segments counted against the disk budget
        int64_t quarantined = 0;  ///< records of damaged segments moved to the quarantine table
    };

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
    void insertSegment(const SpoolRecords& segment, uint64_t first);
    /// Takes requeued dead letters back; one that fails its checksum is quarantined, one without
    /// its event stays a dead letter.
    void requeue(Added& added, uint64_t& nextSeq, int64_t& requeued);
    /// checksum is the one event's record was buried with (or, for format 1, its body's CRC-32).
    static bool checksumMatches(const Event& event, int64_t checksum);
    /// Copies every record a damaged segment holds (but those settled) to the quarantine table
    /// and deletes the segment: its count cannot say where its events end.
    void quarantineSegment(uint64_t first, int64_t now, Added& added, int64_t& deadBytes);
    /// quarantineSegment() in a transaction of its own, after the commit of the work that found the
    /// segment; a segment on a damaged page is quarantineUnreadable() or, failing that, skipped.
    void dropDamaged(uint64_t first, Added& added, int64_t& deadBytes);
    /// For a segment whose pages are damaged: a quarantine row with only seq and reason, and the
    /// segment deleted; throws SpoolError when SQLite cannot.
    void quarantineUnreadable(uint64_t first, const std::string& error);
    /// Copies dead-lettered and quarantined events out of their segments; returns the bytes the
    /// rows take against the disk budget.
    int64_t bury(const std::vector<Removal>& removals, int64_t now);
    /// Turns work's removals and attempts into event_states rows and segment deletions (called
    /// with _mutex held).
    void settle(Work& work);
    /// Settles the index after a commit attempt (called with _mutex held).
    void apply(Work& work, bool stored, const Added& added);
    /// A committed segment's events: into the window when the tail is empty and there is room.
    void addPending(const Added::Segment& segment, const std::pair<uint64_t, Entry>* entries);
    /// Counts the first count candidates, read from sources, as taken, and takenBytes (per
    /// source) as no longer cached: the cache lets go of segments take() is done with (with
    /// _mutex held).
    void consumeCache(const std::vector<std::pair<uint64_t, Entry>>& candidates, size_t count,
        const std::vector<Source>& sources, const std::vector<size_t>& takenBytes);
    /// Forgets a segment of the window (with _mutex held).
    void eraseSegment(std::map<uint64_t, Segment>::iterator segment);
    /// Loads the next segments of the tail into the window when it runs low (take's thread only).
    void refill();
    /// The events of candidates, in order, read from sources (the window's segments that hold
    /// them) or from the file; nullopt for an event that was quarantined or is missing.
    /// fromSource gives, per candidate, the index of the source whose cache it was moved out of,
    /// or NOT_CACHED.
    std::vector<std::optional<StoredEvent>> load(const std::vector<std::pair<uint64_t, Entry>>& candidates,
        const std::vector<Source>& sources, std::vector<size_t>& fromSource);
    static constexpr size_t NOT_CACHED = SIZE_MAX;
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
    std::unique_ptr<SpoolStatement> _readSegments;
    std::unique_ptr<SpoolStatement> _readStates;
    std::mutex _readMutex;
    /// After a read error that is not damage, take() reads nothing until then (guarded by _readMutex).
    std::chrono::steady_clock::time_point _readPausedUntil;
    int64_t _dataVersion = -1; ///< the writer thread's last PRAGMA data_version
    bool _requeueMore = false; ///< the writer thread's last requeue left letters for the next poll

    mutable std::mutex _mutex; ///< everything below
    std::condition_variable _workReady;
    std::condition_variable _committed;
    Work _work;
    size_t _queuedBytes = 0;
    bool _stopping = false;

    std::map<uint64_t, Entry> _window; ///< pending, oldest first; released events regain their place
    std::map<uint64_t, Entry> _inFlight;
    std::map<uint64_t, Segment> _segments; ///< by first_seq: those of the window and in flight
    size_t _cachedBytes = 0;               ///< their cached events not taken, by footprint
    size_t _windowBytes = 0;
    uint64_t _windowHigh = 0;  ///< every pending event above this seq is in the tail (a segment's end)
    uint64_t _indexedHigh = 0; ///< the highest committed seq
    size_t _tailCount = 0;
    uint64_t _tailBytes = 0;
    uint64_t _nextSeq = 1;
    int64_t _eventBytes = 0;   ///< pending and in-flight events against the disk budget
    int64_t _deadBytes = 0;    ///< dead letters and quarantined rows
    uint64_t _reserved = 0;

    std::thread _thread;
    std::unique_ptr<SpoolDatabase> _syncer; ///< the sync thread's connection (interval policy)
    std::mutex _syncMutex;
    std::condition_variable _syncWake;
    bool _unsynced = false;    ///< guarded by _syncMutex
    int _walRestartFrames = 0; ///< set by open(): a WAL longer than this many pages restarts
    bool _checkpointNow = false; ///< guarded by _syncMutex: the WAL is long, do not wait for the interval
    std::atomic<bool> _restartWal{false}; ///< the sync thread asks the writer to finish a checkpoint
    int _walFrames = 0;        ///< in the WAL after the writer's last commit (interval policy)
    bool _syncStopping = false; ///< guarded by _syncMutex
    std::thread _syncThread;
};

} // namespace eventbus

#endif
