#include "SpoolQueue.h"

#include "MetricsRegistry.h"
#include "SpoolDatabase.h"
#include "SpoolError.h"
#include "SpoolRecords.h"
#include "SpoolStatement.h"

#include <Poco/Checksum.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace eventbus {

namespace {

const std::string QUARANTINED = "eventbus_spool_quarantined_total";
const std::string FILES_QUARANTINED = "eventbus_spool_files_quarantined_total";
const std::string FULL = "eventbus_spool_full_total";
const std::string WRITE_ERRORS = "eventbus_spool_write_errors_total";
const std::string REQUEUED = "eventbus_spool_requeued_total";
const std::string STORED_EVENTS = "eventbus_spool_events";
const std::string STORED_BYTES = "eventbus_spool_bytes";

/// The window holds at most this many pending events; beyond, new events are only counted.
const size_t WINDOW_CAPACITY = 65536;
/// Below this many, take() loads the next segments of the tail, at least REFILL_EVENTS events.
const size_t REFILL_LOW = 4096;
const size_t REFILL_EVENTS = 8192;
/// take() reads bodies in chunks of this many events.
const size_t TAKE_CHUNK = 256;
/// Events of recent appends kept in memory until take() has taken each of them once, at most this
/// many bytes (their footprint); beyond, take() reads them back from the file.
const size_t CACHE_BYTES = size_t(4) << 20;
/// What one index entry costs in memory (the map node around it).
const size_t ENTRY_MEMORY = 96;
const auto FAILURE_PAUSE = std::chrono::milliseconds(200);
/// A WAL longer than a sixteenth of spool.max_bytes, within these bounds, is checkpointed at once,
/// finished by the writer, so it restarts.
const int64_t WAL_RESTART_MIN_BYTES = int64_t(4) << 20;
const int64_t WAL_RESTART_MAX_BYTES = int64_t(64) << 20;
/// One transaction takes back at most this many requeued dead letters; the rest follow at the next
/// polls, so a requeue of millions neither holds the writer for long nor grows the WAL past bounds.
const int REQUEUE_LETTERS = 65536;

/// A row written without its event (its record could not be read) has NULL strings: 0, not NULL
/// for the whole sum.
const char* const ROW_STRINGS = "coalesce(length(CAST(stream AS BLOB)), 0) + coalesce(length(CAST(id AS BLOB)), 0) "
                                "+ coalesce(length(CAST(client_ip AS BLOB)), 0) + coalesce(length(CAST(plugin AS BLOB)), 0)";

int64_t nowUs()
{
    return Poco::Timestamp().epochMicroseconds();
}

void describeMetrics(MetricsRegistry& metrics)
{
    metrics.describe(QUARANTINED, "counter", "Spooled records that failed their checksum or could not be decoded, moved to the quarantine table");
    metrics.describe(FILES_QUARANTINED, "counter", "Spool files that could not be opened as a spool, renamed aside and replaced by an empty one");
    metrics.describe(FULL, "counter", "Appends refused because the spool's disk budget (spool.max_bytes) was reached");
    metrics.describe(WRITE_ERRORS, "counter", "Spool transactions that failed (disk full, I/O error); their appends were refused");
    metrics.describe(REQUEUED, "counter", "Dead letters an operator requeued, taken back into the spool");
    metrics.describe(STORED_EVENTS, "gauge", "Events in the spool file (pending and in flight)");
    metrics.describe(STORED_BYTES, "gauge", "Bytes counted against the spool's disk budget (events, dead letters, quarantine)");
}

} // namespace

struct SpoolQueue::WriterStatements {
    explicit WriterStatements(sqlite3* db)
        : begin(db, "BEGIN IMMEDIATE")
        , commit(db, "COMMIT")
        , rollback(db, "ROLLBACK")
        , insert(db, SpoolDatabase::INSERT_SEGMENT)
        , drop(db, "DELETE FROM segments WHERE first_seq = ?1")
        , dropStates(db, "DELETE FROM event_states WHERE seq >= ?1 AND seq < ?2")
        , settle(db, "INSERT INTO event_states (seq, settled) VALUES (?1, 1) ON CONFLICT (seq) DO UPDATE SET settled = 1")
        , attempts(db, "INSERT INTO event_states (seq, attempts) VALUES (?1, ?2) "
                       "ON CONFLICT (seq) DO UPDATE SET attempts = excluded.attempts")
        , segment(db, "SELECT records FROM segments WHERE first_seq = ?1")
        , bury(db, "INSERT INTO dead_letters (seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum, "
                   "reason, dead_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
        , quarantine(db, "INSERT INTO quarantine (seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum, "
                         "reason, quarantined_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")
        , requeued(db, "SELECT stream, type, id, client_ip, plugin, ingress_us, body, letter, checksum, typeof(body) FROM dead_letters "
                       "WHERE requeued = 1 ORDER BY letter LIMIT " + std::to_string(REQUEUE_LETTERS))
        , quarantineLetter(db, "INSERT INTO quarantine (seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum, "
                               "reason, quarantined_at_us) SELECT seq, stream, type, id, client_ip, plugin, ingress_us, attempts, "
                               "body, checksum, 'checksum mismatch', ?2 FROM dead_letters WHERE letter = ?1")
        , keepLetter(db, "UPDATE dead_letters SET requeued = 0 WHERE letter = ?1")
        , unbury(db, "DELETE FROM dead_letters WHERE requeued = 1 AND letter <= ?1")
        , deadBytes(db, "SELECT (SELECT coalesce(sum(coalesce(length(CAST(body AS BLOB)), 0) + length(CAST(reason AS BLOB)) + "
                        + std::string(ROW_STRINGS) + " + 64), 0) FROM dead_letters) + "
                        "(SELECT coalesce(sum(coalesce(length(CAST(body AS BLOB)), 0) + length(CAST(reason AS BLOB)) + "
                        + std::string(ROW_STRINGS) + " + 64), 0) FROM quarantine)")
        , dataVersion(db, "PRAGMA data_version")
        , damagedSegment(db, "SELECT count, body_bytes, extra_bytes, records FROM segments WHERE first_seq = ?1")
        , nextSegment(db, "SELECT coalesce(min(first_seq), 0) FROM segments WHERE first_seq > ?1")
        , statesIn(db, "SELECT seq, attempts, settled FROM event_states WHERE seq >= ?1 AND seq < ?2 ORDER BY seq")
    {
    }
    SpoolStatement begin, commit, rollback, insert, drop, dropStates, settle, attempts, segment, bury, quarantine, requeued,
        quarantineLetter, keepLetter, unbury, deadBytes, dataVersion, damagedSegment, nextSegment, statesIn;
};

uint64_t SpoolQueue::Entry::cost() const
{
    return uint64_t(bytes) + extra + SpoolDatabase::ROW_OVERHEAD;
}

bool SpoolQueue::Work::empty() const
{
    return appends.empty() && removals.empty() && attempts.empty() && settled.empty() && states.empty() && drops.empty()
        && damaged.empty();
}

uint64_t SpoolQueue::diskCost(const Event& event)
{
    return event.json.size() + event.stream.size() + event.id.size() + event.clientIp.size() + event.plugin.size()
        + SpoolDatabase::ROW_OVERHEAD;
}

SpoolQueue::SpoolQueue(const std::string& service, const std::string& path, const SpoolSettings& settings,
    MetricsRegistry& metrics)
    : _service(service)
    , _path(path)
    , _settings(settings)
    , _metrics(metrics)
    , _log(Poco::Logger::get("eventbus.spool"))
{
    describeMetrics(metrics);
    try {
        open();
    } catch (const SpoolError& e) {
        if (!e.corrupt())
            throw;
        close();
        std::string aside = SpoolDatabase::moveAside(path);
        _metrics.add(FILES_QUARANTINED, {{"event_service_name", service}});
        _log.error("spool of event service " + service + ": " + e.what() + "; moved the file aside to " + aside
            + " and started an empty spool");
        open();
    }
    updateGauges();
    // Every connection is open before a thread starts: a joinable thread member destroyed by a
    // constructor that throws (too many files, a lock held past the busy timeout) is
    // std::terminate.
    if (!_settings.fsyncAlways())
        _syncer = std::make_unique<SpoolDatabase>(_path, _service, false);
    _thread = std::thread([this] { writeLoop(); });
    if (_syncer) {
        try {
            _syncThread = std::thread([this] { syncLoop(); });
        } catch (...) {
            {
                std::lock_guard<std::mutex> lock(_mutex);
                _stopping = true;
            }
            _workReady.notify_all();
            _thread.join();
            close();
            throw;
        }
    }
}

void SpoolQueue::syncLoop()
{
    const auto interval = std::chrono::milliseconds(std::max(_settings.fsyncIntervalMs, 1));
    bool yielded = false; // skipped the last round, leaving the writer to finish its checkpoint
    std::unique_lock<std::mutex> lock(_syncMutex);
    for (;;) {
        _syncWake.wait_for(lock, interval, [this] { return _syncStopping || _checkpointNow; });
        bool stopping = _syncStopping;
        bool unsynced = _unsynced || _checkpointNow;
        _unsynced = false;
        _checkpointNow = false;
        lock.unlock();
        // A passive checkpoint copies what is committed and fsyncs, without blocking the writer:
        // power loss can take at most one interval. Process crashes lose nothing either way. A
        // WAL grown past _walRestartFrames calls for one before the interval is over. While the
        // writer finishes one (to restart the WAL), a checkpoint here would only make it busy:
        // that round is skipped, never two in a row.
        bool yield = unsynced && _restartWal && !yielded && !stopping;
        int walFrames = 0;
        int copied = 0;
        // Busy, failed, or held back by a reader (eventbus-spool export), a checkpoint leaves
        // frames unsynced: the next round tries again rather than waiting for another commit.
        bool behind = false;
        if (unsynced && !yield) {
            int rc = sqlite3_wal_checkpoint_v2(_syncer->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied);
            behind = rc != SQLITE_OK || copied < walFrames;
            if (rc == SQLITE_OK && walFrames > _walRestartFrames)
                _restartWal = true;
        }
        yielded = yield;
        lock.lock();
        if (yield || behind)
            _unsynced = true;
        if (stopping)
            return;
    }
}

SpoolQueue::~SpoolQueue()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stopping = true;
    }
    _workReady.notify_all();
    _thread.join();
    if (_syncThread.joinable()) {
        {
            std::lock_guard<std::mutex> lock(_syncMutex);
            _syncStopping = true;
        }
        _syncWake.notify_all();
        _syncThread.join(); // its last round checkpoints what the writer committed last
        _syncer.reset();
    }
    close();
}

void SpoolQueue::open()
{
    _writer = std::make_unique<SpoolDatabase>(_path, _service, true);
    if (_writer->quarantinedByMigration())
        _metrics.add(QUARANTINED, {{"event_service_name", _service}}, static_cast<double>(_writer->quarantinedByMigration()));
    _writer->exec(_settings.fsyncAlways() ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    // No checkpoint inside a commit (SQLite's default every 1000 pages): with synchronous=NORMAL
    // that fsync stalled every commit behind it for a disk's worth of time. The sync thread
    // checkpoints instead; with FULL, commits fsync anyway and the default stays.
    if (!_settings.fsyncAlways()) {
        _writer->exec("PRAGMA wal_autocheckpoint=0");
        sqlite3_wal_hook(_writer->handle(), [](void* queue, sqlite3*, const char*, int frames) {
            static_cast<SpoolQueue*>(queue)->_walFrames = frames;
            return SQLITE_OK;
        }, this);
    }
    // The WAL is disk that spool.max_bytes does not count, so it restarts at a sixteenth of the
    // budget. Not less than needed, though: each restart is a checkpoint the writer finishes
    // itself, two fsyncs during which nothing commits and durable ingress waits (20 to 40 ms each
    // on the benchmark's VM); at 16 MB they came two or three times a second under a flood.
    const int64_t restartBytes
        = std::clamp(static_cast<int64_t>(_settings.maxBytes / 16), WAL_RESTART_MIN_BYTES, WAL_RESTART_MAX_BYTES);
    _walRestartFrames = static_cast<int>(restartBytes / _writer->queryInteger("PRAGMA page_size"));
    // When the WAL restarts, a file grown well past the restart size is cut back; one just past
    // it is kept, as writing over pages the file has is cheaper than growing it again.
    _writer->exec("PRAGMA journal_size_limit=" + std::to_string(2 * restartBytes));
    // Debian builds SQLite with secure_delete on, which zeroes every deleted segment through the
    // WAL: twice the bytes written for nothing a spool needs. FAST still clears what costs no I/O.
    _writer->exec("PRAGMA secure_delete=FAST");
    // Deleting a settled segment walks its chain of overflow pages, reading each one; with
    // SQLite's default 2 MB of pages (about 25 ms of a 150,000 events/s feed) they had left the
    // cache by the time their events were delivered, so each delete read them back from the
    // WAL or the file: 8 MB keeps them. SQLite fills it as the spool is used and keeps it, outside
    // eventbusd.memory_budget_bytes (a fresh daemon's idle RSS is unchanged).
    _writer->exec("PRAGMA cache_size=-8192");
    _writes = std::make_unique<WriterStatements>(_writer->handle());
    replay();
    _reader = std::make_unique<SpoolDatabase>(_path, _service, false);
    _readSegments = std::make_unique<SpoolStatement>(_reader->handle(),
        "SELECT first_seq, count, records, body_bytes, extra_bytes FROM segments WHERE first_seq >= ?1 AND first_seq <= ?2 "
        "ORDER BY first_seq");
    _readStates = std::make_unique<SpoolStatement>(_reader->handle(),
        "SELECT seq, attempts, settled FROM event_states WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq");
}

void SpoolQueue::close()
{
    _readStates.reset();
    _readSegments.reset();
    _reader.reset();
    _writes.reset();
    _writer.reset();
}

void SpoolQueue::replay()
{
    // Summing every segment also walks the whole table, so a damaged page shows up here, at
    // start, rather than in the middle of delivery.
    SpoolDatabase::Pending pending = _writer->pending();
    // event_states rows belong to segments; one above the last segment would settle a new event.
    SpoolStatement orphans(_writer->handle(), "DELETE FROM event_states WHERE seq > ?1");
    orphans.bind(1, static_cast<int64_t>(pending.lastSeq));
    orphans.run();

    _writes->deadBytes.step();
    _deadBytes = _writes->deadBytes.integer(0);
    _writes->deadBytes.reset();

    _window.clear();
    _inFlight.clear();
    _segments.clear();
    _cachedBytes = 0;
    _windowBytes = 0;
    _tailCount = static_cast<size_t>(pending.events);
    _tailBytes = pending.bodyBytes;
    _windowHigh = pending.firstSeq ? pending.firstSeq - 1 : pending.lastSeq;
    _indexedHigh = pending.lastSeq;
    _nextSeq = pending.lastSeq + 1;
    _eventBytes = static_cast<int64_t>(pending.bodyBytes + pending.extraBytes + pending.events * SpoolDatabase::ROW_OVERHEAD);
    if (pending.events)
        _log.information("spool of event service " + _service + ": replaying " + std::to_string(pending.events)
            + " events (" + std::to_string(pending.bodyBytes) + " bytes), the oldest received "
            + Poco::DateTimeFormatter::format(Poco::Timestamp(pending.oldestIngressUs), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
}

bool SpoolQueue::reserve(uint64_t bytes)
{
    std::lock_guard<std::mutex> lock(_mutex);
    uint64_t used = static_cast<uint64_t>(std::max<int64_t>(_eventBytes + _deadBytes, 0)) + _reserved;
    if (used + bytes > _settings.maxBytes) {
        _metrics.add(FULL, {{"event_service_name", _service}});
        return false;
    }
    _reserved += bytes;
    return true;
}

void SpoolQueue::unreserve(uint64_t bytes)
{
    std::lock_guard<std::mutex> lock(_mutex);
    _reserved -= std::min(bytes, _reserved);
}

std::shared_ptr<SpoolQueue::AppendGroup> SpoolQueue::enqueue(std::vector<Event>&& events, uint64_t reserved)
{
    // Encoding here, on the appending thread, leaves the writer thread only SQLite's work.
    auto group = std::make_shared<AppendGroup>();
    group->reserved = reserved;
    group->entries.reserve(events.size());
    group->segments.reserve((events.size() + SpoolRecords::MAX_EVENTS - 1) / SpoolRecords::MAX_EVENTS);
    for (size_t i = 0; i < events.size(); ++i) {
        const Event& event = events[i];
        if (group->segments.empty() || group->segments.back().full(SpoolRecords::recordSize(event))) {
            // Sized once: growing a blob of a hundred events copies it over and over.
            size_t bytes = 0;
            for (size_t j = i; j < std::min(events.size(), i + SpoolRecords::MAX_EVENTS); ++j)
                bytes += SpoolRecords::recordSize(events[j]);
            group->segments.emplace_back();
            group->segments.back().reserve(std::min(bytes, SpoolRecords::MAX_SEGMENT_BYTES + SpoolRecords::MAX_RECORD_BYTES));
        }
        group->segments.back().add(event);
        Entry entry;
        entry.bytes = static_cast<uint32_t>(event.json.size());
        entry.extra = static_cast<uint32_t>(diskCost(event) - event.json.size() - SpoolDatabase::ROW_OVERHEAD);
        entry.ingressUs = event.ingressUs;
        group->entries.push_back(entry);
    }
    group->held = group->entries.size() * sizeof(Entry);
    for (const SpoolRecords& segment : group->segments)
        group->held += segment.blob().size();
    // The events themselves are not counted here: the dispatcher's reservation does until the
    // append returns, and the cache once they are in it.
    group->events = std::move(events);
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _queuedBytes += group->held;
        _work.appends.push_back(group);
    }
    _workReady.notify_one();
    return group;
}

bool SpoolQueue::wait(const std::shared_ptr<AppendGroup>& group)
{
    std::unique_lock<std::mutex> lock(_mutex);
    _committed.wait(lock, [&group] { return group->done; });
    return group->stored;
}

void SpoolQueue::writeLoop()
{
    using Clock = std::chrono::steady_clock;
    const auto pollInterval = std::chrono::milliseconds(std::max(_settings.requeuePollMs, 10));
    auto nextPoll = Clock::now();
    bool unsynced = false;

    std::unique_lock<std::mutex> lock(_mutex);
    for (;;) {
        _workReady.wait_until(lock, nextPoll, [this] { return _stopping || !_work.empty(); });
        Work work;
        std::swap(work, _work);
        settle(work);
        bool stopping = _stopping;
        auto now = Clock::now();
        bool poll = now >= nextPoll;
        if (poll)
            nextPoll = now + pollInterval;
        uint64_t nextSeq = _nextSeq;
        int64_t deadBytes = _deadBytes;
        lock.unlock();

        Added added;
        bool stored = true;
        if (_restartWal) {
            // The WAL starts over only once a checkpoint has copied all of it, which the sync
            // thread's never does while commits keep coming: under steady load the file grew
            // without bound (a GB in seconds, far past spool.max_bytes) and every frame landed on
            // a new page. Between two commits, what the sync thread's checkpoint left is little,
            // and a RESTART checkpoint here copies it and starts the WAL over. It must not wait:
            // busy (the sync thread checkpoints) or held back by a reader, it is tried again
            // after the next commit, and costs nothing when no frame can be copied.
            sqlite3_busy_timeout(_writer->handle(), 0);
            if (sqlite3_wal_checkpoint_v2(_writer->handle(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr) == SQLITE_OK)
                _restartWal = false;
            sqlite3_busy_timeout(_writer->handle(), SpoolDatabase::BUSY_TIMEOUT_MS);
        }
        if (!work.empty() || poll) {
            try {
                // The letters a capped requeue left are taken at the next poll, changes or not.
                bool foreign = poll && (changedByOthers() || _requeueMore);
                if (!work.empty() || foreign)
                    commit(work, foreign, added, nextSeq, deadBytes);
                unsynced = unsynced || !work.empty() || !added.events.empty();
            } catch (const std::exception& e) {
                stored = false;
                _dataVersion = -1; // look at what others changed again next time
                _metrics.add(WRITE_ERRORS, {{"event_service_name", _service}});
                logError("write", std::string("cannot write (") + e.what() + "); refusing "
                    + std::to_string(work.appends.size()) + " appends");
            }
        }
        if (unsynced && !_settings.fsyncAlways()) {
            std::lock_guard<std::mutex> sync(_syncMutex);
            _unsynced = true;
            if (_walFrames > _walRestartFrames && !_restartWal && !_checkpointNow) {
                _checkpointNow = true;
                _syncWake.notify_one();
            }
        }
        unsynced = false;

        lock.lock();
        if (stored) {
            _nextSeq = nextSeq;
            _deadBytes = deadBytes;
        }
        apply(work, stored, added);
        updateGauges();
        _committed.notify_all();
        if (stopping && (_work.empty() || !stored))
            break;
        if (!stored)
            _workReady.wait_for(lock, FAILURE_PAUSE, [this] { return _stopping; });
    }
    // Whatever could not be written stays as it was on disk: in flight becomes pending at the
    // next start, which only causes a redelivery.
    for (auto& group : _work.appends) {
        group->done = true;
        group->stored = false;
    }
    _committed.notify_all();
}

bool SpoolQueue::changedByOthers()
{
    SpoolStatement& version = _writes->dataVersion;
    version.step();
    int64_t current = version.integer(0);
    version.reset();
    bool changed = current != _dataVersion;
    _dataVersion = current;
    return changed;
}

void SpoolQueue::settle(Work& work)
{
    auto segmentOf = [this](uint64_t seq) {
        auto found = _segments.upper_bound(seq);
        if (found == _segments.begin())
            return _segments.end();
        --found;
        return seq < found->first + found->second.count ? found : _segments.end();
    };
    for (auto it = work.attempts.begin(); it != work.attempts.end();) {
        auto segment = segmentOf(it->first);
        if (segment == _segments.end()) {
            it = work.attempts.erase(it); // its segment is gone: nothing to remember it by
            continue;
        }
        segment->second.hasStates = true;
        ++it;
    }
    size_t from = work.settled.size();
    for (Removal& removal : work.removals) {
        auto segment = segmentOf(removal.seq);
        if (segment != _segments.end()) {
            removal.segment = segment->first;
            if (segment->second.remaining)
                --segment->second.remaining;
        }
        work.settled.push_back(std::move(removal));
    }
    work.removals.clear();
    // A segment whose last pending event was just settled is deleted; the others remember which
    // of their events are gone.
    for (size_t i = from; i < work.settled.size(); ++i) {
        const Removal& removal = work.settled[i];
        auto segment = _segments.find(removal.segment);
        if (segment == _segments.end())
            continue; // gone with this work already, or never stored
        if (segment->second.remaining == 0) {
            work.drops.push_back({segment->first, segment->second.count, segment->second.hasStates});
            eraseSegment(segment);
        } else {
            work.states.push_back(removal.seq);
            segment->second.hasStates = true;
        }
    }
}

void SpoolQueue::eraseSegment(std::map<uint64_t, Segment>::iterator segment)
{
    if (segment->second.cached)
        _cachedBytes -= segment->second.cached->bytes;
    _segments.erase(segment);
}

void SpoolQueue::consumeCache(const std::vector<std::pair<uint64_t, Entry>>& candidates, size_t count,
    const std::vector<Source>& sources, const std::vector<size_t>& takenBytes)
{
    size_t next = 0;
    for (size_t k = 0; k < sources.size(); ++k) {
        const Source& source = sources[k];
        size_t from = next;
        while (next < count && candidates[next].first < source.end)
            ++next;
        if (!source.cached || next == from)
            continue;
        auto segment = _segments.find(source.first);
        if (segment == _segments.end() || segment->second.cached != source.cached)
            continue;
        Segment& cached = segment->second;
        // What was taken is the taker's memory now (EventStore::take).
        size_t gone = std::min(takenBytes[k], cached.cached->bytes);
        cached.cached->bytes -= gone;
        _cachedBytes -= gone;
        cached.untaken -= std::min<uint32_t>(cached.untaken, static_cast<uint32_t>(next - from));
        if (cached.untaken == 0) {
            _cachedBytes -= cached.cached->bytes;
            cached.cached.reset();
        }
    }
}

void SpoolQueue::insertSegment(const SpoolRecords& segment, uint64_t first)
{
    SpoolStatement& insert = _writes->insert;
    insert.bind(1, static_cast<int64_t>(first)).bind(2, static_cast<int64_t>(segment.count()))
        .bind(3, static_cast<int64_t>(segment.bodyBytes())).bind(4, static_cast<int64_t>(segment.extraBytes()))
        .bind(5, segment.oldestIngressUs()).bindBlob(6, segment.blob());
    insert.run();
}

void SpoolQueue::commit(Work& work, bool foreign, Added& added, uint64_t& nextSeq, int64_t& deadBytes)
{
    WriterStatements& w = *_writes;
    w.begin.run();
    try {
        for (const auto& group : work.appends) {
            size_t entry = 0;
            for (SpoolRecords& segment : group->segments) {
                insertSegment(segment, nextSeq);
                added.segments.push_back({nextSeq, segment.count(), &group->events[entry]});
                for (uint32_t i = 0; i < segment.count(); ++i)
                    added.events.emplace_back(nextSeq++, group->entries[entry++]);
            }
        }
        for (const auto& [seq, attempts] : work.attempts) {
            w.attempts.bind(1, static_cast<int64_t>(seq)).bind(2, attempts);
            w.attempts.run();
        }
        // Dead letters and quarantined events are copied before their segments can go.
        int64_t buried = bury(work.settled, nowUs());
        for (uint64_t seq : work.states) {
            w.settle.bind(1, static_cast<int64_t>(seq));
            w.settle.run();
        }
        for (const Drop& drop : work.drops) {
            w.drop.bind(1, static_cast<int64_t>(drop.first));
            w.drop.run();
            if (drop.hasStates) {
                w.dropStates.bind(1, static_cast<int64_t>(drop.first)).bind(2, static_cast<int64_t>(drop.first + drop.count));
                w.dropStates.run();
            }
        }
        int64_t requeued = 0;
        if (foreign) {
            // The operator's tool changed the file: take requeued dead letters back, and recount
            // what dead letters occupy (some may have been purged).
            requeue(added, nextSeq, requeued);
            w.deadBytes.step();
            deadBytes = w.deadBytes.integer(0);
            w.deadBytes.reset();
        } else {
            deadBytes += buried;
        }
        w.commit.run();
        for (uint64_t first : work.damaged)
            dropDamaged(first, added, deadBytes);
        if (added.quarantined)
            _metrics.add(QUARANTINED, {{"event_service_name", _service}}, static_cast<double>(added.quarantined));
        if (requeued) {
            _metrics.add(REQUEUED, {{"event_service_name", _service}}, static_cast<double>(requeued));
            _log.information("spool of event service " + _service + ": " + std::to_string(requeued)
                + " requeued dead letters taken back" + (_requeueMore ? "; more follow at the next poll" : ""));
        }
    } catch (...) {
        w.rollback.run();
        throw;
    }
}

void SpoolQueue::quarantineSegment(uint64_t first, int64_t now, Added& added, int64_t& deadBytes)
{
    WriterStatements& w = *_writes;
    w.nextSegment.bind(1, static_cast<int64_t>(first));
    w.nextSegment.step();
    // The events of this segment are the seqs up to the next segment's: nothing else is theirs.
    int64_t end = w.nextSegment.integer(0);
    w.nextSegment.reset();
    if (end == 0)
        end = INT64_MAX;
    std::map<uint64_t, std::pair<int32_t, bool>> states; // seq: attempts, settled
    w.statesIn.bind(1, static_cast<int64_t>(first)).bind(2, end);
    while (w.statesIn.step())
        states[static_cast<uint64_t>(w.statesIn.integer(0))] = {static_cast<int32_t>(w.statesIn.integer(1)), w.statesIn.integer(2) != 0};
    w.statesIn.reset();
    SpoolStatement& read = w.damagedSegment;
    read.bind(1, static_cast<int64_t>(first));
    if (!read.step()) {
        read.reset();
        return; // gone already (deleted by a transaction that failed to report it)
    }
    int64_t dropped = static_cast<int64_t>(read.integer(1) + read.integer(2))
        + read.integer(0) * static_cast<int64_t>(SpoolDatabase::ROW_OVERHEAD);
    int64_t dead = 0;
    std::string records = read.type(3) == SQLITE_BLOB ? read.bytes(3) : std::string();
    read.reset();
    static const std::string reason = "segment count does not match its records";
    SpoolRecords::Cursor cursor(records.data(), records.size());
    uint64_t seq = first;
    int64_t kept = 0;
    for (; cursor.next(); ++seq) {
        auto state = states.find(seq);
        if (state != states.end() && state->second.second)
            continue; // acknowledged or buried before the count was damaged
        Event event;
        cursor.read(event);
        w.quarantine.bind(1, static_cast<int64_t>(seq)).bindText(2, event.stream).bind(3, event.type).bindText(4, event.id)
            .bindText(5, event.clientIp).bindText(6, event.plugin).bind(7, event.ingressUs)
            .bind(8, state == states.end() ? 0 : state->second.first).bindBlob(9, event.json)
            .bind(10, static_cast<int64_t>(cursor.storedChecksum())).bindText(11, reason).bind(12, now);
        w.quarantine.run();
        ++kept;
        dead += static_cast<int64_t>(SpoolRecords::recordSize(event) - SpoolRecords::HEADER + reason.size()
            + SpoolDatabase::ROW_OVERHEAD);
    }
    logError("quarantine", "segment " + std::to_string(first) + " does not hold the events its count says: quarantined the "
        + std::to_string(kept) + " records it holds" + (cursor.atEnd() ? "" : " before undecodable bytes"));
    w.drop.bind(1, static_cast<int64_t>(first));
    w.drop.run();
    w.dropStates.bind(1, static_cast<int64_t>(first)).bind(2, end);
    w.dropStates.run();
    added.quarantined += kept;
    added.droppedBytes += dropped;
    deadBytes += dead;
}

void SpoolQueue::dropDamaged(uint64_t first, Added& added, int64_t& deadBytes)
{
    // A transaction of its own: in SQLite, one that met a damaged page cannot commit anything,
    // and the work committed just before must not be undone or done twice.
    WriterStatements& w = *_writes;
    Added before = added;
    int64_t deadBefore = deadBytes;
    try {
        w.begin.run();
        try {
            quarantineSegment(first, nowUs(), added, deadBytes);
            w.commit.run();
            return;
        } catch (const SpoolError& e) {
            w.rollback.run();
            added.droppedBytes = before.droppedBytes;
            added.quarantined = before.quarantined;
            deadBytes = deadBefore;
            if (!e.corrupt())
                throw;
            w.begin.run();
            try {
                quarantineUnreadable(first, e.what());
                w.commit.run();
            } catch (const SpoolError& again) {
                w.rollback.run();
                if (!again.corrupt())
                    throw;
                logError("quarantine", "segment " + std::to_string(first) + " cannot be read (" + e.what()
                    + ") nor deleted (" + again.what() + "): its events are skipped until the next start");
            }
        }
    } catch (const SpoolError& e) {
        logError("write", "cannot quarantine damaged segment " + std::to_string(first) + " (" + e.what() + "); trying again");
        std::lock_guard<std::mutex> lock(_mutex);
        _work.damaged.push_back(first);
    }
}

void SpoolQueue::quarantineUnreadable(uint64_t first, const std::string& error)
{
    WriterStatements& w = *_writes;
    std::string reason = "unreadable segment: " + error;
    w.quarantine.bind(1, static_cast<int64_t>(first)).bindText(11, reason).bind(12, nowUs());
    w.quarantine.run();
    w.drop.bind(1, static_cast<int64_t>(first));
    w.drop.run();
    logError("quarantine", "segment " + std::to_string(first) + " cannot be read (" + error + "): deleted it, its events lost");
}

int64_t SpoolQueue::bury(const std::vector<Removal>& removals, int64_t now)
{
    WriterStatements& w = *_writes;
    int64_t buried = 0;
    std::string records; // the segment last read, as most dead letters of a batch share one
    uint64_t recordsOf = 0;
    for (const Removal& removal : removals) {
        if (removal.kind == Removal::ACK)
            continue;
        if (removal.segment != recordsOf) {
            records.clear();
            recordsOf = removal.segment;
            // A segment on a damaged page cannot be read; the event is still recorded (with its
            // reason, without its bytes) rather than failing every append with it.
            try {
                w.segment.bind(1, static_cast<int64_t>(removal.segment));
                if (w.segment.step())
                    records = w.segment.bytes(0);
                w.segment.reset();
            } catch (const SpoolError& e) {
                logError("quarantine", "cannot read the segment of event " + std::to_string(removal.seq) + ": " + e.what());
            }
        }
        SpoolRecords::Cursor cursor(records.data(), records.size());
        bool found = removal.segment != 0 && removal.seq >= removal.segment;
        for (uint64_t seq = removal.segment; found && seq <= removal.seq; ++seq)
            found = cursor.next();
        SpoolStatement& insert = removal.kind == Removal::LETTER ? w.bury : w.quarantine;
        Event event;
        insert.bind(1, static_cast<int64_t>(removal.seq));
        if (found) {
            cursor.read(event);
            insert.bindText(2, event.stream).bind(3, event.type).bindText(4, event.id).bindText(5, event.clientIp)
                .bindText(6, event.plugin).bind(7, event.ingressUs).bindBlob(9, event.json)
                .bind(10, static_cast<int64_t>(cursor.storedChecksum()));
        }
        insert.bind(8, removal.attempts).bindText(11, *removal.reason).bind(12, now);
        insert.run();
        // What the row holds, as the recount at start-up sees it (a record not found leaves only
        // the reason).
        buried += static_cast<int64_t>(removal.reason->size() + SpoolDatabase::ROW_OVERHEAD
            + (found ? SpoolRecords::recordSize(event) - SpoolRecords::HEADER : 0));
    }
    return buried;
}

bool SpoolQueue::checksumMatches(const Event& event, int64_t checksum)
{
    // Letters buried by format 2 carry their record's XXH3-64, those of format 1 the CRC-32 of
    // the body.
    SpoolRecords record;
    record.add(event);
    SpoolRecords::Cursor cursor(record.blob().data(), record.blob().size());
    if (cursor.next() && static_cast<int64_t>(cursor.storedChecksum()) == checksum)
        return true;
    Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
    crc.update(event.json.data(), static_cast<unsigned>(event.json.size()));
    return static_cast<int64_t>(crc.checksum()) == checksum;
}

void SpoolQueue::requeue(Added& added, uint64_t& nextSeq, int64_t& requeued)
{
    WriterStatements& w = *_writes;
    // Each segment is inserted as soon as it is full: only the index entries of what was taken
    // back stay in memory, never the letters' bodies.
    SpoolRecords segment;
    std::vector<Entry> entries; // the segment's
    auto flush = [&] {
        if (segment.empty())
            return;
        insertSegment(segment, nextSeq);
        added.segments.push_back({nextSeq, segment.count(), nullptr});
        for (const Entry& entry : entries)
            added.events.emplace_back(nextSeq++, entry);
        segment = SpoolRecords();
        entries.clear();
    };
    int64_t lastLetter = 0;
    std::vector<int64_t> damaged, kept; // letters to quarantine, and to leave as dead letters
    while (w.requeued.step()) {
        Event event;
        event.stream = w.requeued.bytes(0);
        event.type = static_cast<int>(w.requeued.integer(1));
        event.id = w.requeued.bytes(2);
        event.clientIp = w.requeued.bytes(3);
        event.plugin = w.requeued.bytes(4);
        event.ingressUs = w.requeued.integer(5);
        event.json = w.requeued.bytes(6);
        lastLetter = w.requeued.integer(7);
        std::string bodyType = w.requeued.bytes(9);
        if (bodyType != "blob" && bodyType != "text") {
            kept.push_back(lastLetter); // its record could not be read when it was buried: nothing to send
            continue;
        }
        if (w.requeued.type(8) == SQLITE_INTEGER && !checksumMatches(event, w.requeued.integer(8))) {
            damaged.push_back(lastLetter);
            continue;
        }
        ++requeued;
        if (segment.full(SpoolRecords::recordSize(event)))
            flush();
        segment.add(event);
        Entry entry;
        entry.bytes = static_cast<uint32_t>(event.json.size());
        entry.extra = static_cast<uint32_t>(diskCost(event) - event.json.size() - SpoolDatabase::ROW_OVERHEAD);
        entry.ingressUs = event.ingressUs;
        entries.push_back(entry);
    }
    w.requeued.reset();
    flush();
    int64_t now = nowUs();
    for (int64_t letter : damaged) {
        w.quarantineLetter.bind(1, letter).bind(2, now);
        w.quarantineLetter.run();
    }
    for (int64_t letter : kept) {
        w.keepLetter.bind(1, letter);
        w.keepLetter.run();
    }
    if (!damaged.empty()) {
        added.quarantined += static_cast<int64_t>(damaged.size());
        logError("quarantine", std::to_string(damaged.size()) + " requeued dead letters fail their checksum: quarantined");
    }
    if (!kept.empty())
        logError("requeue", std::to_string(kept.size()) + " requeued dead letters hold no event (unreadable when buried): "
            "left as dead letters");
    if (lastLetter) {
        w.unbury.bind(1, lastLetter);
        w.unbury.run();
    }
    _requeueMore = requeued + static_cast<int64_t>(damaged.size() + kept.size()) == REQUEUE_LETTERS;
}

void SpoolQueue::apply(Work& work, bool stored, const Added& added)
{
    for (const auto& group : work.appends) {
        _queuedBytes -= std::min(_queuedBytes, group->held);
        _reserved -= std::min(group->reserved, _reserved);
        group->done = true;
        group->stored = stored;
    }
    if (!stored) {
        // What settle() decided is retried with the next transaction; appends were refused.
        auto keep = [](auto& from, auto& to) { to.insert(to.begin(), from.begin(), from.end()); };
        keep(work.attempts, _work.attempts);
        keep(work.settled, _work.settled);
        keep(work.states, _work.states);
        keep(work.drops, _work.drops);
        keep(work.damaged, _work.damaged);
        return;
    }
    size_t next = 0;
    for (const Added::Segment& segment : added.segments) {
        addPending(segment, &added.events[next]);
        next += segment.count;
    }
    for (const auto& [seq, entry] : added.events)
        _eventBytes += static_cast<int64_t>(entry.cost());
    for (const Removal& removal : work.settled)
        _eventBytes -= static_cast<int64_t>(removal.cost);
    _eventBytes -= added.droppedBytes;
}

void SpoolQueue::addPending(const Added::Segment& added, const std::pair<uint64_t, Entry>* entries)
{
    uint32_t count = added.count;
    uint64_t last = added.first + count - 1;
    if (_tailCount == 0 && _window.size() < WINDOW_CAPACITY) {
        for (uint32_t i = 0; i < count; ++i) {
            _window.emplace_hint(_window.end(), entries[i].first, entries[i].second);
            _windowBytes += entries[i].second.bytes;
        }
        Segment segment;
        segment.count = count;
        segment.remaining = count;
        segment.untaken = count;
        if (added.events) {
            size_t bytes = 0;
            for (uint32_t i = 0; i < count; ++i)
                bytes += EventStore::footprint(added.events[i]);
            if (_cachedBytes + bytes <= CACHE_BYTES) {
                // Moved, not copied: the append's events are done with once committed.
                auto cached = std::make_shared<Cached>();
                cached->slots.reserve(count);
                for (uint32_t i = 0; i < count; ++i)
                    cached->slots.emplace_back(std::move(added.events[i]));
                cached->bytes = bytes;
                segment.cached = std::move(cached);
                _cachedBytes += bytes;
            }
        }
        _segments.emplace_hint(_segments.end(), added.first, std::move(segment));
        _windowHigh = last;
    } else {
        _tailCount += count;
        for (uint32_t i = 0; i < count; ++i)
            _tailBytes += entries[i].second.bytes;
    }
    _indexedHigh = last;
}

void SpoolQueue::refill()
{
    uint64_t from, to;
    size_t tailCount;
    uint64_t tailBytes;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_tailCount == 0 || _window.size() >= REFILL_LOW || std::chrono::steady_clock::now() < _readPausedUntil)
            return;
        from = _windowHigh;
        to = _indexedHigh;
        tailCount = _tailCount;
        tailBytes = _tailBytes;
    }
    // The writer only adds above `to` meanwhile (the tail is not empty), and settles nothing
    // here (nothing of the tail is in flight), so what is read here is exactly the oldest of the
    // tail.
    std::vector<std::pair<uint64_t, Entry>> events;
    std::vector<std::pair<uint64_t, Segment>> segments;
    std::vector<uint64_t> damaged;
    uint64_t damagedCount = 0; ///< what the damaged segments' counts claimed
    bool complete = true;
    uint64_t last = from;
    SpoolStatement& read = *_readSegments;
    try {
        read.bind(1, static_cast<int64_t>(from + 1)).bind(2, static_cast<int64_t>(to));
        while (read.step()) {
            uint64_t first = static_cast<uint64_t>(read.integer(0));
            int64_t count = read.integer(1);
            size_t size = 0;
            const void* data = read.type(2) == SQLITE_BLOB ? read.blob(2, size) : nullptr;
            // No checksum covers count: the records say how many they are. Only damage inside
            // the records leaves count to be believed; the events past it keep no sizes, and
            // take() finds them undecodable and quarantines them.
            bool sound = first > last && SpoolRecords::countAgrees(data, size, count);
            size_t at = events.size();
            bool damagedRecord = false;
            SpoolRecords::Cursor cursor(data, size);
            for (int64_t i = 0; sound && i < count; ++i) {
                Entry entry;
                if (!damagedRecord && cursor.next()) {
                    entry.bytes = cursor.bodySize();
                    entry.extra = cursor.extraSize();
                    entry.ingressUs = cursor.ingressUs();
                } else {
                    damagedRecord = true;
                }
                events.emplace_back(first + static_cast<uint64_t>(i), entry);
            }
            if (sound && damagedRecord) {
                // The events past the damage share what the segment's sizes leave, so that
                // quarantining them frees what start-up counted for them.
                uint64_t body = 0, extra = 0, sizeless = 0;
                for (size_t i = at; i < events.size(); ++i) {
                    body += events[i].second.bytes;
                    extra += events[i].second.extra;
                    sizeless += events[i].second.bytes == 0 && events[i].second.extra == 0 ? 1 : 0;
                }
                uint64_t bodyLeft = static_cast<uint64_t>(std::max<int64_t>(read.integer(3), 0));
                uint64_t extraLeft = static_cast<uint64_t>(std::max<int64_t>(read.integer(4), 0));
                bodyLeft = bodyLeft > body ? bodyLeft - body : 0;
                extraLeft = extraLeft > extra ? extraLeft - extra : 0;
                for (size_t i = at; sizeless && i < events.size(); ++i) {
                    Entry& entry = events[i].second;
                    if (entry.bytes == 0 && entry.extra == 0) {
                        entry.bytes = static_cast<uint32_t>(std::min<uint64_t>(bodyLeft / sizeless, UINT32_MAX - 1));
                        entry.extra = static_cast<uint32_t>(std::min<uint64_t>(extraLeft / sizeless, UINT32_MAX));
                    }
                }
            }
            if (!sound) {
                events.resize(at);
                damaged.push_back(first);
                damagedCount += static_cast<uint64_t>(std::max<int64_t>(count, 0));
                last = std::max(last, first);
                continue;
            }
            Segment segment;
            segment.count = static_cast<uint32_t>(count);
            segment.remaining = segment.count;
            segments.emplace_back(first, segment);
            last = first + segment.count - 1;
            if (events.size() >= REFILL_EVENTS) {
                complete = false;
                break;
            }
        }
        read.reset();
    } catch (const SpoolError& e) {
        read.reset();
        logError("read", std::string("cannot read the backlog: ") + e.what());
        if (!e.corrupt()) {
            _readPausedUntil = std::chrono::steady_clock::now() + FAILURE_PAUSE;
            return;
        }
        // A damaged page: what was read before it stands. When it is the first segment's, that
        // segment is located by its key alone (the blob's pages are not read) and quarantined
        // as unreadable; else the backlog behind it would wait for good.
        complete = false;
        if (segments.empty() && damaged.empty()) {
            try {
                SpoolStatement locate(_reader->handle(), "SELECT first_seq, count FROM segments WHERE first_seq > ?1 "
                                                         "AND first_seq <= ?2 ORDER BY first_seq LIMIT 1");
                locate.bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(to));
                if (locate.step()) {
                    uint64_t first = static_cast<uint64_t>(locate.integer(0));
                    damaged.push_back(first);
                    damagedCount += static_cast<uint64_t>(std::max<int64_t>(locate.integer(1), 0));
                    last = first;
                }
                locate.reset();
            } catch (const SpoolError& located) {
                logError("read", std::string("cannot locate the damaged part of the backlog: ") + located.what());
            }
            if (damaged.empty()) {
                _readPausedUntil = std::chrono::steady_clock::now() + FAILURE_PAUSE;
                return;
            }
        }
    }
    try {
        if (!segments.empty()) {
            SpoolStatement& states = *_readStates;
            states.bind(1, static_cast<int64_t>(from + 1)).bind(2, static_cast<int64_t>(last));
            auto event = events.begin();
            auto segment = segments.begin();
            while (states.step()) {
                uint64_t seq = static_cast<uint64_t>(states.integer(0));
                event = std::lower_bound(event, events.end(), seq, [](const auto& e, uint64_t s) { return e.first < s; });
                if (event == events.end() || event->first != seq)
                    continue;
                while (segment + 1 != segments.end() && (segment + 1)->first <= seq)
                    ++segment;
                segment->second.hasStates = true;
                if (states.integer(2)) {
                    event->second.bytes = UINT32_MAX; // settled: left out below
                    --segment->second.remaining;
                } else {
                    event->second.attempts = static_cast<int32_t>(states.integer(1));
                }
            }
            states.reset();
        }
    } catch (const SpoolError& e) {
        _readStates->reset();
        logError("read", std::string("cannot read the backlog's states: ") + e.what());
        _readPausedUntil = std::chrono::steady_clock::now() + FAILURE_PAUSE;
        return;
    }
    std::lock_guard<std::mutex> lock(_mutex);
    if (!damaged.empty()) {
        _work.damaged.insert(_work.damaged.end(), damaged.begin(), damaged.end());
        _workReady.notify_one();
    }
    size_t loaded = 0;
    uint64_t loadedBytes = 0;
    for (const auto& [seq, entry] : events) {
        if (entry.bytes == UINT32_MAX)
            continue;
        _window.emplace_hint(_window.end(), seq, entry);
        _windowBytes += entry.bytes;
        loadedBytes += entry.bytes;
        ++loaded;
    }
    for (const auto& [first, segment] : segments) {
        if (segment.remaining == 0)
            _work.drops.push_back({first, segment.count, true});
        else
            _segments.emplace_hint(_segments.end(), first, segment);
    }
    if (complete) {
        // Everything up to `to` is loaded: what remains in the tail arrived during the read.
        if (loaded != tailCount)
            _log.warning("spool of event service " + _service + ": expected " + std::to_string(tailCount)
                + " stored events, found " + std::to_string(loaded));
        _tailCount -= std::min(_tailCount, tailCount);
        _tailBytes -= std::min(_tailBytes, tailBytes);
        _windowHigh = to;
    } else {
        _tailCount -= std::min<uint64_t>(_tailCount, loaded + damagedCount);
        _tailBytes -= std::min(_tailBytes, loadedBytes);
        _windowHigh = last;
    }
}

std::vector<std::optional<StoredEvent>> SpoolQueue::load(const std::vector<std::pair<uint64_t, Entry>>& candidates,
    const std::vector<Source>& sources, std::vector<size_t>& fromSource)
{
    std::vector<std::optional<StoredEvent>> loaded(candidates.size());
    fromSource.assign(candidates.size(), NOT_CACHED);
    std::vector<std::pair<size_t, std::string>> bad; // candidate index, reason
    size_t next = 0;
    // The candidate at next, its event still to be filled in.
    auto stored = [&] {
        StoredEvent event;
        event.seq = candidates[next].first;
        event.service = _service;
        event.attempts = candidates[next].second.attempts;
        return event;
    };
    // Decodes the candidates in [first, end) from that segment's records, read from the file.
    auto decode = [&](const void* data, size_t size, uint64_t first, uint64_t end) {
        SpoolRecords::Cursor cursor(data, size);
        uint64_t at = first; // the seq of the record after the cursor's
        bool readable = true;
        for (; next < candidates.size() && candidates[next].first < end; ++next) {
            uint64_t seq = candidates[next].first;
            while (readable && at <= seq) {
                readable = cursor.next();
                ++at;
            }
            if (!readable) {
                bad.emplace_back(next, "undecodable row");
                continue;
            }
            if (!cursor.intact()) {
                bad.emplace_back(next, "checksum mismatch");
                continue;
            }
            loaded[next] = stored();
            cursor.read(loaded[next]->event);
        }
    };
    // A source is taken from the cache when it holds all of its candidates; one taken before and
    // released since is read back from the file with the rest of its segment. Events in memory
    // since their append need no checksum: it guards against what happens on disk.
    std::vector<char> fromCache(sources.size(), 0);
    for (size_t k = 0, c = 0; k < sources.size(); ++k) {
        while (c < candidates.size() && candidates[c].first < sources[k].first)
            ++c;
        bool whole = sources[k].cached != nullptr;
        for (; c < candidates.size() && candidates[c].first < sources[k].end; ++c)
            whole = whole && sources[k].cached->slots[candidates[c].first - sources[k].first].has_value();
        fromCache[k] = whole;
    }
    auto move = [&](size_t k) {
        const Source& source = sources[k];
        for (; next < candidates.size() && candidates[next].first < source.end; ++next) {
            std::optional<Event>& slot = source.cached->slots[candidates[next].first - source.first];
            loaded[next] = stored();
            loaded[next]->event = std::move(*slot);
            slot.reset();
            fromSource[next] = k;
        }
    };
    bool cached = !sources.empty() && std::all_of(fromCache.begin(), fromCache.end(), [](char whole) { return whole; });
    SpoolStatement& read = *_readSegments;
    try {
        if (cached) {
            for (size_t k = 0; k < sources.size(); ++k) {
                while (next < candidates.size() && candidates[next].first < sources[k].first)
                    bad.emplace_back(next++, "");
                move(k);
            }
        } else {
            read.bind(1, static_cast<int64_t>(sources.empty() ? candidates.front().first : sources.front().first))
                .bind(2, static_cast<int64_t>(candidates.back().first));
            auto source = sources.begin();
            while (next < candidates.size() && read.step()) {
                uint64_t first = static_cast<uint64_t>(read.integer(0));
                uint64_t end = first + static_cast<uint64_t>(read.integer(1));
                while (source != sources.end() && source->first < first)
                    ++source;
                if (!sources.empty()) {
                    // A segment refill() found damaged is not in the window, and its count is
                    // not to be believed: the window's is.
                    if (source == sources.end() || source->first != first)
                        continue;
                    end = source->end;
                }
                while (next < candidates.size() && candidates[next].first < first)
                    bad.emplace_back(next++, "");
                if (source != sources.end() && source->first == first && fromCache[source - sources.begin()]) {
                    move(static_cast<size_t>(source - sources.begin()));
                    continue;
                }
                size_t size = 0;
                const void* data = read.type(2) == SQLITE_BLOB ? read.blob(2, size) : nullptr;
                decode(data, size, first, end);
            }
            read.reset();
        }
    } catch (const SpoolError& e) {
        read.reset();
        logError("read", "cannot read events " + std::to_string(candidates.front().first) + ".."
            + std::to_string(candidates.back().first) + ": " + e.what());
        if (e.corrupt()) {
            for (; next < candidates.size(); ++next)
                bad.emplace_back(next, "unreadable row");
        } else {
            // Not the events' fault (e.g. an I/O error): they stay pending for a later take, after
            // a pause (take() returns what it has; taking them again at once would spin).
            _readPausedUntil = std::chrono::steady_clock::now() + FAILURE_PAUSE;
            std::lock_guard<std::mutex> lock(_mutex);
            for (; next < candidates.size(); ++next) {
                auto node = _inFlight.extract(candidates[next].first);
                if (!node.empty()) {
                    _windowBytes += node.mapped().bytes;
                    _window.insert(std::move(node));
                }
            }
        }
    }
    for (; next < candidates.size(); ++next)
        bad.emplace_back(next, "");
    if (bad.empty())
        return loaded;

    std::lock_guard<std::mutex> lock(_mutex);
    for (const auto& [index, reason] : bad) {
        uint64_t seq = candidates[index].first;
        auto node = _inFlight.extract(seq);
        if (node.empty())
            continue;
        const Entry& entry = node.mapped();
        if (reason.empty()) {
            logError("vanished", "event " + std::to_string(seq) + " vanished from the spool file");
            _work.removals.push_back({Removal::ACK, seq, entry.cost(), entry.attempts, nullptr});
            continue;
        }
        logError("quarantine", "quarantining stored event " + std::to_string(seq) + ": " + reason);
        _metrics.add(QUARANTINED, {{"event_service_name", _service}});
        _work.removals.push_back(
            {Removal::QUARANTINE, seq, entry.cost(), entry.attempts, std::make_shared<const std::string>(reason)});
    }
    _workReady.notify_one();
    return loaded;
}

std::vector<StoredEvent> SpoolQueue::take(const EventStore::Accept& accept)
{
    std::lock_guard<std::mutex> reading(_readMutex);
    std::vector<StoredEvent> taken;
    while (std::chrono::steady_clock::now() >= _readPausedUntil) {
        refill();
        std::vector<std::pair<uint64_t, Entry>> candidates;
        std::vector<Source> sources;
        {
            std::lock_guard<std::mutex> lock(_mutex);
            while (!_window.empty() && candidates.size() < TAKE_CHUNK) {
                auto node = _window.extract(_window.begin());
                _windowBytes -= node.mapped().bytes;
                candidates.emplace_back(node.key(), node.mapped());
                _inFlight.insert(std::move(node));
            }
            if (!candidates.empty()) {
                auto segment = _segments.upper_bound(candidates.front().first);
                if (segment != _segments.begin())
                    --segment;
                for (; segment != _segments.end() && segment->first <= candidates.back().first; ++segment)
                    sources.push_back({segment->first, segment->first + segment->second.count, segment->second.cached});
            }
        }
        if (candidates.empty())
            break;
        std::vector<size_t> fromSource;
        std::vector<std::optional<StoredEvent>> loaded = load(candidates, sources, fromSource);
        std::vector<size_t> takenBytes(sources.size(), 0); // out of each source's cache
        size_t i = 0;
        for (; i < candidates.size(); ++i) {
            if (!loaded[i])
                continue;
            if (!accept(loaded[i]->event))
                break;
            if (taken.empty())
                taken.reserve(candidates.size());
            if (fromSource[i] != NOT_CACHED)
                takenBytes[fromSource[i]] += EventStore::footprint(loaded[i]->event);
            taken.push_back(std::move(*loaded[i]));
        }
        // What the batch had no room for goes back to its cache slot, to be taken from there next.
        for (size_t j = i; j < candidates.size(); ++j) {
            if (fromSource[j] == NOT_CACHED)
                continue;
            const Source& source = sources[fromSource[j]];
            source.cached->slots[candidates[j].first - source.first] = std::move(loaded[j]->event);
        }
        std::lock_guard<std::mutex> lock(_mutex);
        consumeCache(candidates, i, sources, takenBytes);
        if (i == candidates.size())
            continue;
        for (; i < candidates.size(); ++i) {
            auto node = _inFlight.extract(candidates[i].first);
            if (node.empty())
                continue;
            _windowBytes += node.mapped().bytes;
            _window.insert(std::move(node));
        }
        break;
    }
    return taken;
}

void SpoolQueue::ack(const std::vector<uint64_t>& seqs) { remove(seqs, Removal::ACK, nullptr); }

void SpoolQueue::release(const std::vector<uint64_t>& seqs)
{
    if (seqs.empty())
        return;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        // Room first: nothing below allocates, so a throw releases none (EventStore::release).
        _work.attempts.reserve(_work.attempts.size() + seqs.size());
        for (uint64_t seq : seqs) {
            auto node = _inFlight.extract(seq);
            if (node.empty())
                continue;
            ++node.mapped().attempts;
            _windowBytes += node.mapped().bytes;
            _work.attempts.emplace_back(seq, node.mapped().attempts);
            _window.insert(std::move(node));
        }
    }
    _workReady.notify_one();
}

void SpoolQueue::deadLetter(const std::vector<uint64_t>& seqs, const std::string& reason)
{
    if (!seqs.empty())
        remove(seqs, Removal::LETTER, std::make_shared<const std::string>(reason));
}

void SpoolQueue::remove(const std::vector<uint64_t>& seqs, Removal::Kind kind,
                        const std::shared_ptr<const std::string>& reason)
{
    if (seqs.empty())
        return;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _work.removals.reserve(_work.removals.size() + seqs.size());
        for (uint64_t seq : seqs) {
            auto found = _inFlight.find(seq);
            if (found == _inFlight.end())
                continue;
            _work.removals.push_back({kind, seq, found->second.cost(), found->second.attempts, reason});
            _inFlight.erase(found);
        }
    }
    _workReady.notify_one();
}

StoreStats SpoolQueue::stats() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    StoreStats stats;
    stats.pending = _window.size() + _tailCount;
    stats.pendingBytes = _windowBytes + static_cast<size_t>(_tailBytes);
    stats.inFlight = _inFlight.size();
    // 0 when only the tail is left: its first event is older than anything in memory, so due.
    stats.oldestPendingUs = _window.empty() ? 0 : _window.begin()->second.ingressUs;
    return stats;
}

size_t SpoolQueue::size() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _window.size() + _tailCount + _inFlight.size();
}

size_t SpoolQueue::heldBytes() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return (_window.size() + _inFlight.size()) * ENTRY_MEMORY + _queuedBytes + _cachedBytes;
}

void SpoolQueue::logError(const std::string& kind, const std::string& message)
{
    size_t suppressed = 0;
    if (_throttle.allow(kind, suppressed))
        _log.error("spool of event service " + _service + ": " + message
            + (suppressed ? " [" + std::to_string(suppressed) + " similar suppressed]" : ""));
}

void SpoolQueue::updateGauges()
{
    Labels labels{{"event_service_name", _service}};
    _metrics.set(STORED_EVENTS, labels, double(_window.size() + _tailCount + _inFlight.size()));
    _metrics.set(STORED_BYTES, labels, double(std::max<int64_t>(_eventBytes + _deadBytes, 0)));
}

} // namespace eventbus
