// One spool file: a SQLite database in WAL mode holding one event service's pending events, its
// dead letters and its quarantined rows. The format is versioned (PRAGMA user_version and the
// meta table); a file of a newer format is refused, never modified.
#ifndef EVENTBUS_HOST_SPOOLDATABASE_H
#define EVENTBUS_HOST_SPOOLDATABASE_H

#include <cstdint>
#include <string>

struct sqlite3;

namespace eventbus {

class SpoolDatabase {
public:
    static const int FORMAT_VERSION = 1;

    /// Opens path, creating the file and its schema when missing (create) or refusing a missing
    /// file. Throws SpoolFormatError for a newer format, SpoolError otherwise (corrupt() tells a
    /// damaged file).
    SpoolDatabase(const std::string& path, const std::string& service, bool create);
    ~SpoolDatabase();
    SpoolDatabase(const SpoolDatabase&) = delete;
    SpoolDatabase& operator=(const SpoolDatabase&) = delete;

    sqlite3* handle() const { return _db; }
    const std::string& path() const { return _path; }
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
    /// CRC-32 of an event body, stored beside it to detect a damaged record.
    static int64_t checksum(const std::string& body);

    /// What every row of the events table costs against the disk budget besides its strings.
    static const uint64_t ROW_OVERHEAD = 64;

private:
    void createSchema(const std::string& service);
    void checkFormat();

    std::string _path;
    sqlite3* _db = nullptr;
};

} // namespace eventbus

#endif
