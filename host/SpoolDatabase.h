// One spool file: a SQLite database in WAL mode holding one event service's pending events, its
// dead letters and its quarantined rows. The format is versioned (PRAGMA user_version and the
// meta table); a file of a newer format is refused, never modified, and a file of format 1 is
// migrated to the current one when opened.
//
// Format 2 stores each append as one row of the segments table (first_seq, how many events, their
// records in one blob, see SpoolRecords), so a commit writes and deletes one row per append rather
// than one per event. What happens to single events of a segment that still holds pending ones
// lives in event_states: settled (acknowledged, dead-lettered or quarantined) and attempts. A
// segment whose events are all settled is deleted with its event_states rows.
#ifndef EVENTBUS_HOST_SPOOLDATABASE_H
#define EVENTBUS_HOST_SPOOLDATABASE_H

#include <cstdint>
#include <cstddef>
#include <string>

struct sqlite3;

namespace eventbus {

class SpoolDatabase {
public:
    static const int FORMAT_VERSION = 2;
    /// Inserts a segment: ?1 first_seq, ?2 count, ?3 body_bytes, ?4 extra_bytes, ?5 ingress_us
    /// (the oldest), ?6 records.
    static const char* const INSERT_SEGMENT;

    /// How a file is opened.
    enum Access {
        CREATE,  ///< the daemon: creates a missing file and its schema, migrates format 1
        MIGRATE, ///< the daemon: refuses a missing file, migrates format 1
        READ,    ///< the operator's tool reading: read-only, no migration
        CHANGE   ///< the operator's tool changing dead letters: no migration
    };

    /// Opens path. Throws SpoolFormatError for a newer format (and, for READ and CHANGE, for format
    /// 1, which only the daemon migrates), SpoolError otherwise (corrupt() tells a damaged file).
    SpoolDatabase(const std::string& path, const std::string& service, Access access);
    /// CREATE when create, else MIGRATE.
    SpoolDatabase(const std::string& path, const std::string& service, bool create);
    ~SpoolDatabase();
    SpoolDatabase(const SpoolDatabase&) = delete;
    SpoolDatabase& operator=(const SpoolDatabase&) = delete;

    /// The events of the file that are not settled.
    struct Pending {
        uint64_t events = 0;
        uint64_t bodyBytes = 0;
        uint64_t extraBytes = 0;
        uint64_t firstSeq = 0;  ///< of the first segment; 0 when there is none
        uint64_t lastSeq = 0;   ///< of the last event of the last segment
        int64_t oldestIngressUs = 0;
    };

    sqlite3* handle() const { return _db; }
    /// Reads the segments' totals, less the events settled out of them (read from their records).
    Pending pending();
    const std::string& path() const { return _path; }
    /// Rows of format 1 this connection's migration moved to the quarantine table.
    int64_t quarantinedByMigration() const { return _quarantinedByMigration; }
    /// Runs SQL without results; throws SpoolError.
    void exec(const std::string& sql);
    /// The single integer a query returns (0 for NULL).
    int64_t queryInteger(const std::string& sql);

    /// <service>.db with every byte outside [A-Za-z0-9_-] written %XX, so any service name is a
    /// safe file name.
    static std::string fileName(const std::string& service);
    /// The service a fileName() belongs to; "" when name is not a spool file name.
    static std::string serviceOf(const std::string& name);
    /// Renames path and its -wal and -shm companions to <path>.corrupt-<UTC time>; returns the new path.
    static std::string moveAside(const std::string& path);
    /// How long a connection waits for a lock another holds before it fails.
    static const int BUSY_TIMEOUT_MS = 5000;
    /// The WAL's size once a migration's checkpoint restarted it, as the daemon keeps it.
    static const int64_t MIGRATION_WAL_LIMIT = int64_t(32) << 20;
    /// What every event costs against the disk budget besides its strings.
    static const uint64_t ROW_OVERHEAD = 64;

private:
    void createSchema(const std::string& service);
    /// Returns the format version found.
    int64_t checkFormat();
    /// Rewrites the events table of format 1 as segments in one transaction; a row whose CRC-32
    /// does not match goes to the quarantine table, as the daemon would have done.
    void migrateFromVersion1();

    std::string _path;
    sqlite3* _db = nullptr;
    int64_t _quarantinedByMigration = 0;
};

} // namespace eventbus

#endif
