#include "SpoolQueue.h"

#include "MetricsRegistry.h"
#include "SpoolDatabase.h"
#include "SpoolError.h"
#include "SpoolStatement.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <sqlite3.h>

#include <algorithm>

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
/// Below this many, take() loads the next REFILL_ROWS of the tail.
const size_t REFILL_LOW = 4096;
const size_t REFILL_ROWS = 8192;
/// take() reads bodies in chunks of this many rows.
const size_t TAKE_CHUNK = 256;
/// What one index entry costs in memory (the map node around it).
const size_t ENTRY_MEMORY = 96;
const auto FAILURE_PAUSE = std::chrono::milliseconds(200);

const char* const ROW_STRINGS = "length(CAST(stream AS BLOB)) + length(CAST(id AS BLOB)) "
                                "+ length(CAST(client_ip AS BLOB)) + length(CAST(plugin AS BLOB))";

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
        , insert(db, "INSERT INTO events (seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
        , remove(db, "DELETE FROM events WHERE seq = ?1")
        , removeRange(db, "DELETE FROM events WHERE seq >= ?1 AND seq <= ?2")
        , bury(db, "INSERT INTO dead_letters (seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum, "
                   "reason, dead_at_us) SELECT seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum, "
                   "?2, ?3 FROM events WHERE seq = ?1")
        , quarantine(db, "INSERT INTO quarantine (seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum, "
                         "reason, quarantined_at_us) SELECT seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, "
                         "checksum, ?2, ?3 FROM events WHERE seq = ?1")
        , attempts(db, "UPDATE events SET attempts = ?2 WHERE seq = ?1")
        , requeued(db, "SELECT stream, type, id, client_ip, plugin, ingress_us, body, checksum, "
                       "length(body), " + std::string(ROW_STRINGS) + " FROM dead_letters WHERE requeued = 1 ORDER BY letter")
        , unbury(db, "DELETE FROM dead_letters WHERE requeued = 1")
        , deadBytes(db, "SELECT (SELECT coalesce(sum(length(CAST(body AS BLOB)) + length(CAST(reason AS BLOB)) + "
                        + std::string(ROW_STRINGS) + " + 64), 0) FROM dead_letters) + "
                        "(SELECT coalesce(sum(length(CAST(body AS BLOB)) + length(CAST(reason AS BLOB)) + "
                        + std::string(ROW_STRINGS) + " + 64), 0) FROM quarantine)")
        , dataVersion(db, "PRAGMA data_version")
    {
    }
    SpoolStatement begin, commit, rollback, insert, remove, removeRange, bury, quarantine, attempts, requeued, unbury, deadBytes,
        dataVersion;
};

uint64_t SpoolQueue::Entry::cost() const
{
    return uint64_t(bytes) + extra + SpoolDatabase::ROW_OVERHEAD;
}

bool SpoolQueue::Work::empty() const
{
    return appends.empty() && acks.empty() && letters.empty() && quarantined.empty() && attempts.empty();
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
    _thread = std::thread([this] { writeLoop(); });
    if (!_settings.fsyncAlways()) {
        _syncer = std::make_unique<SpoolDatabase>(_path, _service, false);
        _syncThread = std::thread([this] { syncLoop(); });
    }
}

void SpoolQueue::syncLoop()
{
    const auto interval = std::chrono::milliseconds(std::max(_settings.fsyncIntervalMs, 1));
    std::unique_lock<std::mutex> lock(_syncMutex);
    for (;;) {
        _syncWake.wait_for(lock, interval, [this] { return _syncStopping; });
        bool stopping = _syncStopping;
        bool unsynced = _unsynced;
        _unsynced = false;
        lock.unlock();
        // A passive checkpoint copies what is committed and fsyncs, without blocking the writer:
        // power loss can take at most one interval. Process crashes lose nothing either way.
        if (unsynced)
            sqlite3_wal_checkpoint_v2(_syncer->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        lock.lock();
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
    _writer->exec(_settings.fsyncAlways() ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    // No checkpoint inside a commit (SQLite's default every 1000 pages): with synchronous=NORMAL
    // that fsync stalled every commit behind it for a disk's worth of time. The sync thread
    // checkpoints instead; with FULL, commits fsync anyway and the default stays.
    if (!_settings.fsyncAlways())
        _writer->exec("PRAGMA wal_autocheckpoint=0");
    _writes = std::make_unique<WriterStatements>(_writer->handle());
    replay();
    _reader = std::make_unique<SpoolDatabase>(_path, _service, false);
    _readRows = std::make_unique<SpoolStatement>(_reader->handle(),
        "SELECT seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum FROM events "
        "WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq");
    _readIndex = std::make_unique<SpoolStatement>(_reader->handle(),
        "SELECT seq, length(body), " + std::string(ROW_STRINGS) + ", attempts, ingress_us FROM events "
        "WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3");
}

void SpoolQueue::close()
{
    _readIndex.reset();
    _readRows.reset();
    _reader.reset();
    _writes.reset();
    _writer.reset();
}

void SpoolQueue::replay()
{
    // Reading every row's sizes also walks the whole table, so a damaged page shows up here,
    // at start, rather than in the middle of delivery.
    SpoolStatement summary(_writer->handle(),
        "SELECT count(*), coalesce(sum(length(body)), 0), coalesce(sum(" + std::string(ROW_STRINGS) + "), 0), "
        "coalesce(min(seq), 0), coalesce(max(seq), 0), coalesce(min(ingress_us), 0) FROM events");
    summary.step();
    size_t count = static_cast<size_t>(summary.integer(0));
    uint64_t bodies = static_cast<uint64_t>(summary.integer(1));
    uint64_t strings = static_cast<uint64_t>(summary.integer(2));
    uint64_t low = static_cast<uint64_t>(summary.integer(3));
    uint64_t high = static_cast<uint64_t>(summary.integer(4));
    int64_t oldest = summary.integer(5);
    summary.reset();

    _writes->deadBytes.step();
    _deadBytes = _writes->deadBytes.integer(0);
    _writes->deadBytes.reset();

    _window.clear();
    _inFlight.clear();
    _windowBytes = 0;
    _tailCount = count;
    _tailBytes = bodies;
    _windowHigh = count ? low - 1 : high;
    _indexedHigh = high;
    _nextSeq = high + 1;
    _eventBytes = static_cast<int64_t>(bodies + strings + count * SpoolDatabase::ROW_OVERHEAD);
    if (count)
        _log.information("spool of event service " + _service + ": replaying " + std::to_string(count) + " events ("
            + std::to_string(bodies) + " bytes), the oldest received "
            + Poco::DateTimeFormatter::format(Poco::Timestamp(oldest), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
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
    auto group = std::make_shared<AppendGroup>();
    group->events = std::move(events);
    group->reserved = reserved;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        for (const Event& event : group->events)
            _queuedBytes += EventStore::footprint(event);
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
        if (!work.empty() || poll) {
            try {
                bool foreign = poll && changedByOthers();
                if (!work.empty() || foreign)
                    commit(work, foreign, added, nextSeq, deadBytes);
                unsynced = unsynced || !work.empty() || !added.empty();
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

void SpoolQueue::commit(Work& work, bool foreign, Added& added, uint64_t& nextSeq, int64_t& deadBytes)
{
    WriterStatements& w = *_writes;
    w.begin.run();
    try {
        for (const auto& group : work.appends) {
            for (const Event& event : group->events) {
                uint64_t seq = nextSeq++;
                int64_t checksum = SpoolDatabase::checksum(event.json);
                w.insert.bind(1, static_cast<int64_t>(seq)).bindText(2, event.stream).bind(3, event.type)
                    .bindText(4, event.id).bindText(5, event.clientIp).bindText(6, event.plugin)
                    .bind(7, event.ingressUs).bind(8, 0).bindBlob(9, event.json).bind(10, checksum);
                w.insert.run();
                Entry entry;
                entry.bytes = static_cast<uint32_t>(event.json.size());
                entry.extra = static_cast<uint32_t>(diskCost(event) - event.json.size() - SpoolDatabase::ROW_OVERHEAD);
                entry.ingressUs = event.ingressUs;
                added.emplace_back(seq, entry);
            }
        }
        // A batch is usually a run of consecutive seqs: one range delete per run.
        std::vector<uint64_t> acked;
        acked.reserve(work.acks.size());
        for (const Removal& ack : work.acks)
            acked.push_back(ack.seq);
        std::sort(acked.begin(), acked.end());
        for (size_t first = 0; first < acked.size();) {
            size_t last = first;
            while (last + 1 < acked.size() && acked[last + 1] == acked[last] + 1)
                ++last;
            w.removeRange.bind(1, static_cast<int64_t>(acked[first])).bind(2, static_cast<int64_t>(acked[last]));
            w.removeRange.run();
            first = last + 1;
        }
        int64_t now = nowUs();
        for (const Removal& letter : work.letters) {
            w.bury.bind(1, static_cast<int64_t>(letter.seq)).bindText(2, *letter.reason).bind(3, now);
            w.bury.run();
            w.remove.bind(1, static_cast<int64_t>(letter.seq));
            w.remove.run();
        }
        for (const Removal& bad : work.quarantined) {
            // A row on a damaged page cannot be copied; it is left for the start-up check, which
            // moves a damaged file aside, rather than failing every append with it.
            try {
                w.quarantine.bind(1, static_cast<int64_t>(bad.seq)).bindText(2, *bad.reason).bind(3, now);
                w.quarantine.run();
                w.remove.bind(1, static_cast<int64_t>(bad.seq));
                w.remove.run();
            } catch (const SpoolError& e) {
                logError("quarantine", "cannot quarantine event " + std::to_string(bad.seq) + ": " + e.what());
            }
        }
        for (const auto& [seq, attempts] : work.attempts) {
            w.attempts.bind(1, static_cast<int64_t>(seq)).bind(2, attempts);
            w.attempts.run();
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
            for (const Removal& removal : work.letters)
                deadBytes += static_cast<int64_t>(removal.cost + removal.reason->size());
            for (const Removal& removal : work.quarantined)
                deadBytes += static_cast<int64_t>(removal.cost + removal.reason->size());
        }
        w.commit.run();
        if (requeued) {
            _metrics.add(REQUEUED, {{"event_service_name", _service}}, static_cast<double>(requeued));
            _log.information("spool of event service " + _service + ": " + std::to_string(requeued)
                + " requeued dead letters taken back");
        }
    } catch (...) {
        w.rollback.run();
        throw;
    }
}

void SpoolQueue::requeue(Added& added, uint64_t& nextSeq, int64_t& requeued)
{
    WriterStatements& w = *_writes;
    while (w.requeued.step()) {
        uint64_t seq = nextSeq++;
        std::string stream = w.requeued.bytes(0), id = w.requeued.bytes(2), clientIp = w.requeued.bytes(3);
        std::string plugin = w.requeued.bytes(4), body = w.requeued.bytes(6);
        Entry entry;
        entry.ingressUs = w.requeued.integer(5);
        entry.bytes = static_cast<uint32_t>(w.requeued.integer(8));
        entry.extra = static_cast<uint32_t>(w.requeued.integer(9));
        w.insert.bind(1, static_cast<int64_t>(seq)).bindText(2, stream).bind(3, w.requeued.integer(1))
            .bindText(4, id).bindText(5, clientIp).bindText(6, plugin).bind(7, entry.ingressUs).bind(8, 0)
            .bindBlob(9, body).bind(10, w.requeued.integer(7));
        w.insert.run();
        added.emplace_back(seq, entry);
        ++requeued;
    }
    w.requeued.reset();
    if (requeued)
        w.unbury.run();
}

void SpoolQueue::apply(Work& work, bool stored, const Added& added)
{
    for (const auto& group : work.appends) {
        for (const Event& event : group->events)
            _queuedBytes -= std::min(_queuedBytes, EventStore::footprint(event));
        _reserved -= std::min(group->reserved, _reserved);
        group->done = true;
        group->stored = stored;
    }
    if (!stored) {
        // Settlements are retried with the next transaction; appends were refused.
        work.appends.clear();
        auto keep = [](auto& from, auto& to) { to.insert(to.begin(), from.begin(), from.end()); };
        keep(work.acks, _work.acks);
        keep(work.letters, _work.letters);
        keep(work.quarantined, _work.quarantined);
        keep(work.attempts, _work.attempts);
        return;
    }
    for (const auto& [seq, entry] : added) {
        _eventBytes += static_cast<int64_t>(entry.cost());
        addPending(seq, entry);
    }
    for (const Removal& removal : work.acks)
        _eventBytes -= static_cast<int64_t>(removal.cost);
    for (const Removal& removal : work.letters)
        _eventBytes -= static_cast<int64_t>(removal.cost);
    for (const Removal& removal : work.quarantined)
        _eventBytes -= static_cast<int64_t>(removal.cost);
}

void SpoolQueue::addPending(uint64_t seq, const Entry& entry)
{
    if (_tailCount == 0 && _window.size() < WINDOW_CAPACITY) {
        _window.emplace_hint(_window.end(), seq, entry);
        _windowBytes += entry.bytes;
        _windowHigh = seq;
    } else {
        ++_tailCount;
        _tailBytes += entry.bytes;
    }
    _indexedHigh = seq;
}

void SpoolQueue::refill()
{
    uint64_t from, to;
    size_t tailCount;
    uint64_t tailBytes;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_tailCount == 0 || _window.size() >= REFILL_LOW)
            return;
        from = _windowHigh;
        to = _indexedHigh;
        tailCount = _tailCount;
        tailBytes = _tailBytes;
    }
    // The writer only adds above `to` meanwhile (the tail is not empty), so the rows read here
    // are exactly the oldest of the tail.
    std::vector<std::pair<uint64_t, Entry>> rows;
    SpoolStatement& read = *_readIndex;
    read.bind(1, static_cast<int64_t>(from)).bind(2, static_cast<int64_t>(to)).bind(3, static_cast<int64_t>(REFILL_ROWS));
    try {
        while (read.step()) {
            Entry entry;
            entry.bytes = static_cast<uint32_t>(read.integer(1));
            entry.extra = static_cast<uint32_t>(read.integer(2));
            entry.attempts = static_cast<int32_t>(read.integer(3));
            entry.ingressUs = read.integer(4);
            rows.emplace_back(static_cast<uint64_t>(read.integer(0)), entry);
        }
        read.reset();
    } catch (const SpoolError& e) {
        logError("read", std::string("cannot read the backlog: ") + e.what());
        return;
    }
    std::lock_guard<std::mutex> lock(_mutex);
    uint64_t loadedBytes = 0;
    for (const auto& [seq, entry] : rows) {
        _window.emplace_hint(_window.end(), seq, entry);
        _windowBytes += entry.bytes;
        loadedBytes += entry.bytes;
    }
    if (rows.size() < REFILL_ROWS) {
        // Everything up to `to` is loaded: what remains in the tail arrived during the read.
        if (rows.size() != tailCount)
            _log.warning("spool of event service " + _service + ": expected " + std::to_string(tailCount)
                + " stored events, found " + std::to_string(rows.size()));
        _tailCount -= tailCount;
        _tailBytes -= tailBytes;
        _windowHigh = to;
    } else {
        _tailCount -= std::min(_tailCount, rows.size());
        _tailBytes -= std::min(_tailBytes, loadedBytes);
        _windowHigh = rows.back().first;
    }
}

std::vector<std::optional<StoredEvent>> SpoolQueue::load(const std::vector<std::pair<uint64_t, Entry>>& candidates)
{
    std::vector<std::optional<StoredEvent>> loaded(candidates.size());
    std::vector<std::pair<size_t, std::string>> bad; // candidate index, reason
    SpoolStatement& read = *_readRows;
    read.bind(1, static_cast<int64_t>(candidates.front().first)).bind(2, static_cast<int64_t>(candidates.back().first));
    size_t next = 0;
    try {
        while (next < candidates.size() && read.step()) {
            uint64_t seq = static_cast<uint64_t>(read.integer(0));
            while (next < candidates.size() && candidates[next].first < seq) {
                bad.emplace_back(next, "");
                ++next;
            }
            if (next == candidates.size() || candidates[next].first != seq)
                continue; // in flight or settled, not asked for
            bool typed = read.type(1) == SQLITE_TEXT && read.type(2) == SQLITE_INTEGER && read.type(3) == SQLITE_TEXT
                && read.type(4) == SQLITE_TEXT && read.type(5) == SQLITE_TEXT && read.type(6) == SQLITE_INTEGER
                && read.type(8) == SQLITE_BLOB && read.type(9) == SQLITE_INTEGER;
            if (!typed) {
                bad.emplace_back(next++, "undecodable row");
                continue;
            }
            StoredEvent stored;
            stored.seq = seq;
            stored.service = _service;
            stored.attempts = candidates[next].second.attempts;
            stored.event.stream = read.bytes(1);
            stored.event.type = static_cast<int>(read.integer(2));
            stored.event.id = read.bytes(3);
            stored.event.clientIp = read.bytes(4);
            stored.event.plugin = read.bytes(5);
            stored.event.ingressUs = read.integer(6);
            stored.event.json = read.bytes(8);
            if (SpoolDatabase::checksum(stored.event.json) != read.integer(9)) {
                bad.emplace_back(next++, "checksum mismatch");
                continue;
            }
            loaded[next++] = std::move(stored);
        }
        read.reset();
    } catch (const SpoolError& e) {
        read.reset();
        logError("read", "cannot read events " + std::to_string(candidates.front().first) + ".."
            + std::to_string(candidates.back().first) + ": " + e.what());
        if (e.corrupt()) {
            for (; next < candidates.size(); ++next)
                bad.emplace_back(next, "unreadable row");
        } else {
            // Not the rows' fault (e.g. an I/O error): they stay pending for a later take.
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
        if (reason.empty()) {
            logError("vanished", "event " + std::to_string(seq) + " vanished from the spool file");
            _eventBytes -= static_cast<int64_t>(node.mapped().cost());
            continue;
        }
        logError("quarantine", "quarantining stored event " + std::to_string(seq) + ": " + reason);
        _metrics.add(QUARANTINED, {{"event_service_name", _service}});
        _work.quarantined.push_back({seq, node.mapped().cost(), std::make_shared<const std::string>(reason)});
    }
    _workReady.notify_one();
    return loaded;
}

std::vector<StoredEvent> SpoolQueue::take(const EventStore::Accept& accept)
{
    std::lock_guard<std::mutex> reading(_readMutex);
    std::vector<StoredEvent> taken;
    for (;;) {
        refill();
        std::vector<std::pair<uint64_t, Entry>> candidates;
        {
            std::lock_guard<std::mutex> lock(_mutex);
            while (!_window.empty() && candidates.size() < TAKE_CHUNK) {
                auto node = _window.extract(_window.begin());
                _windowBytes -= node.mapped().bytes;
                candidates.emplace_back(node.key(), node.mapped());
                _inFlight.insert(std::move(node));
            }
        }
        if (candidates.empty())
            break;
        std::vector<std::optional<StoredEvent>> loaded = load(candidates);
        size_t i = 0;
        for (; i < candidates.size(); ++i) {
            if (!loaded[i])
                continue;
            if (!accept(loaded[i]->event))
                break;
            taken.push_back(std::move(*loaded[i]));
        }
        if (i == candidates.size())
            continue;
        std::lock_guard<std::mutex> lock(_mutex);
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

void SpoolQueue::ack(const std::vector<uint64_t>& seqs)
{
    if (seqs.empty())
        return;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        for (uint64_t seq : seqs) {
            auto found = _inFlight.find(seq);
            if (found == _inFlight.end())
                continue;
            _work.acks.push_back({seq, found->second.cost(), nullptr});
            _inFlight.erase(found);
        }
    }
    _workReady.notify_one();
}

void SpoolQueue::release(const std::vector<uint64_t>& seqs)
{
    if (seqs.empty())
        return;
    {
        std::lock_guard<std::mutex> lock(_mutex);
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
    if (seqs.empty())
        return;
    auto shared = std::make_shared<const std::string>(reason);
    {
        std::lock_guard<std::mutex> lock(_mutex);
        for (uint64_t seq : seqs) {
            auto found = _inFlight.find(seq);
            if (found == _inFlight.end())
                continue;
            _work.letters.push_back({seq, found->second.cost(), shared});
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
    return (_window.size() + _inFlight.size()) * ENTRY_MEMORY + _queuedBytes;
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
