// A failure of the spool's storage, with SQLite's result code so callers can tell a corrupt file
// (moved aside) from a full disk or a missing permission (reported).
#ifndef EVENTBUS_HOST_SPOOLERROR_H
#define EVENTBUS_HOST_SPOOLERROR_H

#include <stdexcept>
#include <string>

namespace eventbus {

class SpoolError : public std::runtime_error {
public:
    SpoolError(const std::string& message, int code)
        : std::runtime_error(message)
        , _code(code)
    {
    }

    /// SQLite's primary result code (SQLITE_CORRUPT, SQLITE_FULL...); 0 for our own checks.
    int code() const { return _code & 0xff; }
    /// The file is damaged or not a database: it cannot be used as it is.
    bool corrupt() const;

private:
    int _code;
};

/// The file is a spool of a newer format than this build understands: never touched.
class SpoolFormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace eventbus

#endif
