// One prepared SQLite statement, reset after each use so it can be run again cheaply.
#ifndef EVENTBUS_HOST_SPOOLSTATEMENT_H
#define EVENTBUS_HOST_SPOOLSTATEMENT_H

#include <cstddef>
#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace eventbus {

class SpoolStatement {
public:
    /// Throws SpoolError when the SQL does not compile against db.
    SpoolStatement(sqlite3* db, const std::string& sql);
    ~SpoolStatement();
    SpoolStatement(const SpoolStatement&) = delete;
    SpoolStatement& operator=(const SpoolStatement&) = delete;

    /// Parameters are numbered from 1. Bound strings are not copied: they must outlive the run.
    SpoolStatement& bind(int index, int64_t value);
    SpoolStatement& bindText(int index, const std::string& value);
    SpoolStatement& bindBlob(int index, const std::string& value);

    /// Advances to the next row: true when there is one, false when done. Throws SpoolError.
    bool step();
    /// Runs a statement that returns no rows, then resets it.
    void run();
    /// Ready to run again, parameters cleared.
    void reset();

    /// SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL... of a column of the current row.
    int type(int column) const;
    int64_t integer(int column) const;
    /// Text or blob bytes of a column of the current row.
    std::string bytes(int column) const;
    /// The same without a copy: valid until the next step() or reset().
    const void* blob(int column, size_t& size) const;

private:
    sqlite3* _db;
    sqlite3_stmt* _stmt = nullptr;
};

} // namespace eventbus

#endif
