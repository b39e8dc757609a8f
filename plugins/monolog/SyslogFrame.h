#ifndef EVENTBUS_MONOLOG_SYSLOGFRAME_H
#define EVENTBUS_MONOLOG_SYSLOGFRAME_H

#include <string>
#include <string_view>

namespace eventbus {
namespace monolog {

/// One RFC 5424 syslog datagram, as Monolog's SyslogUdpHandler sends it:
/// `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
/// The views point into the parsed datagram and live as long as it does.
class SyslogFrame {
public:
    /// Parses one datagram. Never throws; check valid() before using the fields.
    static SyslogFrame parse(std::string_view datagram);

    bool valid() const { return _error.empty(); }
    /// What is wrong with the header; empty when valid.
    const std::string& error() const { return _error; }

    int facility() const { return _priority / 8; }
    int severity() const { return _priority % 8; }
    int version() const { return _version; }
    std::string_view timestamp() const { return _timestamp; }   ///< "-" when absent
    std::string_view hostname() const { return _hostname; }
    std::string_view appName() const { return _appName; }
    std::string_view procId() const { return _procId; }
    std::string_view msgId() const { return _msgId; }
    std::string_view structuredData() const { return _structuredData; } ///< "-" or the [elements]
    /// MSG without a leading UTF-8 BOM and without the trailing CR/LF that a formatter's line
    /// ending leaves (SyslogUdpHandler does not strip it).
    std::string_view message() const { return _message; }

private:
    SyslogFrame() = default;
    static SyslogFrame invalid(std::string error);

    std::string _error;
    int _priority = 0;
    int _version = 0;
    std::string_view _timestamp;
    std::string_view _hostname;
    std::string_view _appName;
    std::string_view _procId;
    std::string_view _msgId;
    std::string_view _structuredData;
    std::string_view _message;
};

} // namespace monolog
} // namespace eventbus

#endif
