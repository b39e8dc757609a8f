#include "SpoolStatement.h"

#include "SpoolError.h"

#include <sqlite3.h>

namespace eventbus {

bool SpoolError::corrupt() const
{
    return code() == SQLITE_CORRUPT || code() == SQLITE_NOTADB;
}

SpoolStatement::SpoolStatement(sqlite3* db, const std::string& sql)
    : _db(db)
{
    int rc = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &_stmt, nullptr);
    if (rc != SQLITE_OK)
        throw SpoolError(std::string(sqlite3_errmsg(db)) + " in: " + sql, rc);
}

SpoolStatement::~SpoolStatement()
{
    sqlite3_finalize(_stmt);
}

SpoolStatement& SpoolStatement::bind(int index, int64_t value)
{
    sqlite3_bind_int64(_stmt, index, value);
    return *this;
}

SpoolStatement& SpoolStatement::bindText(int index, const std::string& value)
{
    sqlite3_bind_text(_stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    return *this;
}

SpoolStatement& SpoolStatement::bindBlob(int index, const std::string& value)
{
    sqlite3_bind_blob(_stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    return *this;
}

bool SpoolStatement::step()
{
    int rc = sqlite3_step(_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    std::string message = sqlite3_errmsg(_db);
    int code = sqlite3_extended_errcode(_db);
    reset();
    throw SpoolError(message, code);
}

void SpoolStatement::run()
{
    while (step()) {
    }
    reset();
}

void SpoolStatement::reset()
{
    sqlite3_reset(_stmt);
    sqlite3_clear_bindings(_stmt);
}

int SpoolStatement::type(int column) const
{
    return sqlite3_column_type(_stmt, column);
}

int64_t SpoolStatement::integer(int column) const
{
    return sqlite3_column_int64(_stmt, column);
}

std::string SpoolStatement::bytes(int column) const
{
    const void* data = sqlite3_column_blob(_stmt, column);
    int size = sqlite3_column_bytes(_stmt, column);
    return data ? std::string(static_cast<const char*>(data), static_cast<size_t>(size)) : std::string();
}

const void* SpoolStatement::blob(int column, size_t& size) const
{
    const void* data = sqlite3_column_blob(_stmt, column);
    size = static_cast<size_t>(sqlite3_column_bytes(_stmt, column));
    return data;
}

} // namespace eventbus
