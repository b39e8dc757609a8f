#include "SpoolDatabase.h"

#include "SpoolError.h"
#include "SpoolStatement.h"

#include <Poco/Checksum.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/File.h>
#include <Poco/Timestamp.h>

#include <sqlite3.h>

#include <cctype>

namespace eventbus {

namespace {

const char* const SCHEMA = R"(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    stream TEXT NOT NULL, type INTEGER NOT NULL, id TEXT NOT NULL, client_ip TEXT NOT NULL,
    plugin TEXT NOT NULL, ingress_us INTEGER NOT NULL, attempts INTEGER NOT NULL,
    body BLOB NOT NULL, checksum INTEGER NOT NULL);
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

} // namespace

SpoolDatabase::SpoolDatabase(const std::string& path, const std::string& service, bool create)
    : _path(path)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = _db ? sqlite3_errmsg(_db) : "out of memory";
        sqlite3_close(_db);
        throw SpoolError("cannot open spool file " + path + ": " + message, rc);
    }
    try {
        sqlite3_extended_result_codes(_db, 1);
        // The CLI and the daemon may use the file at once; a writer waits rather than fails.
        sqlite3_busy_timeout(_db, 5000);
        checkFormat();
        exec("PRAGMA journal_mode=WAL");
        if (queryInteger("PRAGMA user_version") == 0)
            createSchema(service);
    } catch (...) {
        sqlite3_close(_db);
        throw;
    }
}

SpoolDatabase::~SpoolDatabase()
{
    sqlite3_close(_db);
}

void SpoolDatabase::checkFormat()
{
    int64_t version = queryInteger("PRAGMA user_version");
    if (version > FORMAT_VERSION)
        throw SpoolFormatError("spool file " + _path + " has format version " + std::to_string(version)
            + ", newer than this eventbusd understands (" + std::to_string(FORMAT_VERSION)
            + "): run the eventbusd that wrote it, or move the file away to start an empty spool");
    if (version == 0 && queryInteger("SELECT count(*) FROM sqlite_master") > 0)
        throw SpoolError("spool file " + _path + " holds tables but no spool format version: not a spool file", SQLITE_NOTADB);
    if (version > 0 && queryInteger("SELECT count(*) FROM sqlite_master WHERE name IN ('meta','events','dead_letters','quarantine')") != 4)
        throw SpoolError("spool file " + _path + " lacks spool tables", SQLITE_CORRUPT);
}

void SpoolDatabase::createSchema(const std::string& service)
{
    exec("BEGIN IMMEDIATE");
    try {
        exec(SCHEMA);
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

int64_t SpoolDatabase::checksum(const std::string& body)
{
    Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
    crc.update(body.data(), static_cast<unsigned>(body.size()));
    return static_cast<int64_t>(crc.checksum());
}

} // namespace eventbus
