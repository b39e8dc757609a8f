#include "SpoolDatabase.h"

#include "SpoolError.h"
#include "SpoolRecords.h"
#include "SpoolStatement.h"
#include "SpoolWalVfs.h"

#include <Poco/Checksum.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/File.h>
#include <Poco/Timestamp.h>

#include <sqlite3.h>

#include <sys/statvfs.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace eventbus {

namespace {

/// What format 2 adds to format 1, which had an events table of one row per event instead.
const char* const SEGMENT_TABLES = R"(
CREATE TABLE segments (
    first_seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, body_bytes INTEGER NOT NULL,
    extra_bytes INTEGER NOT NULL, ingress_us INTEGER NOT NULL, records BLOB NOT NULL);
CREATE TABLE event_states (
    seq INTEGER PRIMARY KEY, attempts INTEGER NOT NULL DEFAULT 0, settled INTEGER NOT NULL DEFAULT 0);
)";

const char* const SCHEMA = R"(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE dead_letters (
    letter INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER,
    stream TEXT, type INTEGER, id TEXT, client_ip TEXT, plugin TEXT, ingress_us INTEGER,
    attempts INTEGER, body BLOB, checksum INTEGER,
    reason TEXT NOT NULL, dead_at_us INTEGER NOT NULL, requeued INTEGER NOT NULL DEFAULT 0);
CREATE INDEX dead_letters_requeued ON dead_letters (requeued) WHERE requeued = 1;
CREATE TABLE quarantine (
    entry INTEGER PRIMARY KEY AUTOINCREMENT, seq, stream, type, id, client_ip, plugin, ingress_us,
    attempts, body, checksum, reason TEXT NOT NULL, quarantined_at_us INTEGER NOT NULL);
)";

int64_t nowUs()
{
    return Poco::Timestamp().epochMicroseconds();
}

int64_t crc32(const std::string& body)
{
    Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
    crc.update(body.data(), static_cast<unsigned>(body.size()));
    return static_cast<int64_t>(crc.checksum());
}

} // namespace

const char* const SpoolDatabase::INSERT_SEGMENT
    = "INSERT INTO segments (first_seq, count, body_bytes, extra_bytes, ingress_us, records) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

SpoolDatabase::SpoolDatabase(const std::string& path, const std::string& service, bool create)
    : SpoolDatabase(path, service, create ? CREATE : MIGRATE)
{
}

SpoolDatabase::SpoolDatabase(const std::string& path, const std::string& service, Access access)
    : _path(path)
{
    int flags = SQLITE_OPEN_NOMUTEX | (access == READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE)
        | (access == CREATE ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &_db, flags, SpoolWalVfs::name());
    if (rc != SQLITE_OK) {
        std::string message = _db ? sqlite3_errmsg(_db) : "out of memory";
        sqlite3_close(_db);
        throw SpoolError("cannot open spool file " + path + ": " + message, rc);
    }
    try {
        sqlite3_extended_result_codes(_db, 1);
        // The CLI and the daemon may use the file at once; a writer waits rather than fails.
        sqlite3_busy_timeout(_db, BUSY_TIMEOUT_MS);
        int64_t version = checkFormat();
        if ((access == READ || access == CHANGE) && version == 0)
            throw SpoolError("spool file " + _path + " holds no spool yet", SQLITE_NOTADB);
        if ((access == READ || access == CHANGE) && version < FORMAT_VERSION)
            // Migrating here would change the file under an older daemon still running (during a
            // package upgrade), and a read-only command must not change anything.
            throw SpoolFormatError("spool file " + _path + " has format version " + std::to_string(version)
                + ": start eventbusd once to migrate it to format " + std::to_string(FORMAT_VERSION)
                + " (eventbus-spool does not change a file's format)");
        if (access != READ)
            exec("PRAGMA journal_mode=WAL");
        if (version == 0)
            createSchema(service);
        else if (version == 1)
            migrateFromVersion1();
    } catch (...) {
        sqlite3_close(_db);
        throw;
    }
}

SpoolDatabase::~SpoolDatabase()
{
    sqlite3_close(_db);
}

int64_t SpoolDatabase::checkFormat()
{
    int64_t version = queryInteger("PRAGMA user_version");
    if (version > FORMAT_VERSION)
        throw SpoolFormatError("spool file " + _path + " has format version " + std::to_string(version)
            + ", newer than this eventbusd understands (" + std::to_string(FORMAT_VERSION)
            + "): run the eventbusd that wrote it, or move the file away to start an empty spool");
    if (version == 0 && queryInteger("SELECT count(*) FROM sqlite_master") > 0)
        throw SpoolError("spool file " + _path + " holds tables but no spool format version: not a spool file", SQLITE_NOTADB);
    const char* tables = version == 1 ? "('meta','events','dead_letters','quarantine')"
                                      : "('meta','segments','event_states','dead_letters','quarantine')";
    if (version > 0 && queryInteger(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ") + tables)
            != (version == 1 ? 4 : 5))
        throw SpoolError("spool file " + _path + " lacks spool tables", SQLITE_CORRUPT);
    return version;
}

void SpoolDatabase::createSchema(const std::string& service)
{
    exec("BEGIN IMMEDIATE");
    try {
        exec(SCHEMA);
        exec(SEGMENT_TABLES);
        SpoolStatement meta(_db, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
        std::string format = std::to_string(FORMAT_VERSION);
        std::string created = std::to_string(nowUs());
        // bindText keeps pointers (SQLITE_STATIC): every bound string must outlive run().
        std::string formatKey = "format";
        meta.bindText(1, formatKey).bindText(2, format);
        meta.run();
        std::string serviceKey = "service";
        meta.bindText(1, serviceKey).bindText(2, service);
        meta.run();
        std::string createdKey = "created_us";
        meta.bindText(1, createdKey).bindText(2, created);
        meta.run();
        exec("PRAGMA user_version = " + std::to_string(FORMAT_VERSION));
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

SpoolDatabase::Pending SpoolDatabase::pending()
{
    Pending pending;
    SpoolStatement totals(_db, "SELECT coalesce(sum(count), 0), coalesce(sum(body_bytes), 0), coalesce(sum(extra_bytes), 0), "
                               "coalesce(min(first_seq), 0), coalesce(max(first_seq + count - 1), 0), "
                               "coalesce(min(ingress_us), 0) FROM segments");
    totals.step();
    pending.events = static_cast<uint64_t>(totals.integer(0));
    pending.bodyBytes = static_cast<uint64_t>(totals.integer(1));
    pending.extraBytes = static_cast<uint64_t>(totals.integer(2));
    pending.firstSeq = static_cast<uint64_t>(totals.integer(3));
    pending.lastSeq = static_cast<uint64_t>(totals.integer(4));
    pending.oldestIngressUs = totals.integer(5);
    totals.reset();
    // Settled events are few (those of segments still partly pending): their records say what
    // they weighed.
    std::vector<uint64_t> seqs;
    SpoolStatement settled(_db, "SELECT seq FROM event_states WHERE settled = 1 ORDER BY seq");
    while (settled.step())
        seqs.push_back(static_cast<uint64_t>(settled.integer(0)));
    settled.reset();
    if (seqs.empty())
        return pending;
    SpoolStatement segments(_db, "SELECT first_seq, count, records FROM segments s WHERE EXISTS (SELECT 1 FROM event_states e "
                                 "WHERE e.seq >= s.first_seq AND e.seq < s.first_seq + s.count AND e.settled = 1) ORDER BY first_seq");
    auto next = seqs.begin();
    while (segments.step()) {
        uint64_t first = static_cast<uint64_t>(segments.integer(0));
        uint64_t end = first + static_cast<uint64_t>(segments.integer(1));
        size_t size = 0;
        const void* data = segments.blob(2, size);
        SpoolRecords::Cursor cursor(data, size);
        uint64_t at = first;
        bool readable = cursor.next();
        for (next = std::lower_bound(next, seqs.end(), first); next != seqs.end() && *next < end; ++next) {
            while (readable && at < *next) {
                readable = cursor.next();
                ++at;
            }
            --pending.events;
            if (readable) {
                pending.bodyBytes -= std::min<uint64_t>(pending.bodyBytes, cursor.bodySize());
                pending.extraBytes -= std::min<uint64_t>(pending.extraBytes, cursor.extraSize());
            }
        }
    }
    segments.reset();
    return pending;
}

void SpoolDatabase::exec(const std::string& sql)
{
    char* error = nullptr;
    int rc = sqlite3_exec(_db, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw SpoolError(_path + ": " + message, sqlite3_extended_errcode(_db));
    }
}

int64_t SpoolDatabase::queryInteger(const std::string& sql)
{
    SpoolStatement statement(_db, sql);
    int64_t value = statement.step() ? statement.integer(0) : 0;
    statement.reset();
    return value;
}

std::string SpoolDatabase::fileName(const std::string& service)
{
    static const char* const HEX = "0123456789ABCDEF";
    std::string name;
    for (unsigned char c : service) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            name += static_cast<char>(c);
        } else {
            name += '%';
            name += HEX[c >> 4];
            name += HEX[c & 15];
        }
    }
    return name + ".db";
}

std::string SpoolDatabase::serviceOf(const std::string& name)
{
    if (name.size() <= 3 || name.compare(name.size() - 3, 3, ".db") != 0)
        return "";
    std::string service;
    for (size_t i = 0; i + 3 < name.size(); ++i) {
        if (name[i] != '%') {
            service += name[i];
            continue;
        }
        if (i + 2 >= name.size() - 3 || !std::isxdigit(static_cast<unsigned char>(name[i + 1]))
            || !std::isxdigit(static_cast<unsigned char>(name[i + 2])))
            return "";
        service += static_cast<char>(std::stoi(name.substr(i + 1, 2), nullptr, 16));
        i += 2;
    }
    return service;
}

std::string SpoolDatabase::moveAside(const std::string& path)
{
    std::string aside = path + ".corrupt-" + Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y%m%dT%H%M%S.%iZ");
    for (const char* suffix : {"-wal", "-shm"}) {
        Poco::File companion(path + suffix);
        if (companion.exists())
            companion.renameTo(aside + suffix);
    }
    Poco::File file(path);
    if (file.exists())
        file.renameTo(aside);
    return aside;
}

void SpoolDatabase::migrateFromVersion1()
{
    // Debian builds SQLite with secure_delete on: dropping the events table would zero every one
    // of its pages through the WAL, a third copy of the file. FAST clears only what costs no I/O.
    exec("PRAGMA secure_delete=FAST");
    exec("PRAGMA journal_size_limit=" + std::to_string(MIGRATION_WAL_LIMIT));
    // The segments are written to the WAL, then copied into the file beside the events they
    // replace (whose pages are free only after the commit): twice the file's size, at most. Out of
    // space half-way, SQLite's error would not say why, and would come back at every start.
    uint64_t fileBytes = static_cast<uint64_t>(queryInteger("PRAGMA page_count")) * static_cast<uint64_t>(queryInteger("PRAGMA page_size"));
    uint64_t needed = 2 * fileBytes;
    struct statvfs space;
    if (::statvfs(_path.c_str(), &space) == 0) {
        uint64_t available = static_cast<uint64_t>(space.f_bavail) * static_cast<uint64_t>(space.f_frsize);
        if (available < needed)
            throw SpoolError("migrating spool file " + _path + " to format " + std::to_string(FORMAT_VERSION) + " needs "
                + std::to_string((needed >> 20) + 1) + " MB free on its file system (twice the file's size), "
                + std::to_string(available >> 20) + " MB are free: free space, or move the file away to start an empty spool",
                SQLITE_FULL);
    }
    exec("BEGIN IMMEDIATE");
    try {
        // Another process may have migrated the file while this one waited for the lock.
        if (queryInteger("PRAGMA user_version") != 1) {
            exec("COMMIT");
            return;
        }
        exec(SEGMENT_TABLES);
        SpoolStatement rows(_db, "SELECT seq, stream, type, id, client_ip, plugin, ingress_us, attempts, body, checksum, "
                                 "typeof(stream) = 'text' AND typeof(type) = 'integer' AND typeof(id) = 'text' "
                                 "AND typeof(client_ip) = 'text' AND typeof(plugin) = 'text' AND typeof(ingress_us) = 'integer' "
                                 "AND typeof(body) = 'blob' AND typeof(checksum) = 'integer' FROM events ORDER BY seq");
        SpoolStatement insert(_db, INSERT_SEGMENT);
        SpoolStatement attempts(_db, "INSERT INTO event_states (seq, attempts) VALUES (?1, ?2)");
        SpoolStatement quarantine(_db, "INSERT INTO quarantine (seq, stream, type, id, client_ip, plugin, ingress_us, attempts, "
                                       "body, checksum, reason, quarantined_at_us) SELECT seq, stream, type, id, client_ip, "
                                       "plugin, ingress_us, attempts, body, checksum, ?2, ?3 FROM events WHERE seq = ?1");
        SpoolRecords segment;
        uint64_t first = 0;
        auto flush = [&] {
            if (segment.empty())
                return;
            insert.bind(1, static_cast<int64_t>(first)).bind(2, segment.count())
                .bind(3, static_cast<int64_t>(segment.bodyBytes())).bind(4, static_cast<int64_t>(segment.extraBytes()))
                .bind(5, segment.oldestIngressUs()).bindBlob(6, segment.blob());
            insert.run();
            segment = SpoolRecords();
        };
        int64_t now = nowUs();
        std::vector<int64_t> bad;
        std::vector<std::string> reasons;
        while (rows.step()) {
            uint64_t seq = static_cast<uint64_t>(rows.integer(0));
            std::string body = rows.bytes(8);
            if (rows.integer(10) == 0 || crc32(body) != rows.integer(9)) {
                bad.push_back(static_cast<int64_t>(seq));
                reasons.push_back(rows.integer(10) == 0 ? "undecodable row" : "checksum mismatch");
                continue;
            }
            Event event;
            event.stream = rows.bytes(1);
            event.type = static_cast<int>(rows.integer(2));
            event.id = rows.bytes(3);
            event.clientIp = rows.bytes(4);
            event.plugin = rows.bytes(5);
            event.ingressUs = rows.integer(6);
            event.json = std::move(body);
            if (SpoolRecords::recordSize(event) > SpoolRecords::MAX_RECORD_BYTES) {
                bad.push_back(static_cast<int64_t>(seq));
                reasons.push_back("too large");
                continue;
            }
            // A segment is a run of consecutive seqs: a gap (an acknowledged row) starts another.
            if (!segment.empty() && (seq != first + segment.count() || segment.full(SpoolRecords::recordSize(event))))
                flush();
            if (segment.empty())
                first = seq;
            segment.add(event);
            if (rows.integer(7) != 0) {
                attempts.bind(1, static_cast<int64_t>(seq)).bind(2, rows.integer(7));
                attempts.run();
            }
        }
        rows.reset();
        flush();
        for (size_t i = 0; i < bad.size(); ++i) {
            quarantine.bind(1, bad[i]).bindText(2, reasons[i]).bind(3, now);
            quarantine.run();
        }
        exec("DROP TABLE events");
        exec("UPDATE meta SET value = '" + std::to_string(FORMAT_VERSION) + "' WHERE key = 'format'");
        exec("PRAGMA user_version = " + std::to_string(FORMAT_VERSION));
        exec("COMMIT");
        _quarantinedByMigration = static_cast<int64_t>(bad.size());
    } catch (...) {
        sqlite3_exec(_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    // The WAL holds a copy of every segment: into the file with it, and cut back. Busy (another
    // connection reads) is no failure: the daemon's checkpoints get there.
    sqlite3_wal_checkpoint_v2(_db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

} // namespace eventbus
