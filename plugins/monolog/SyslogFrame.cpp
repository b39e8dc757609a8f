#include "SyslogFrame.h"

namespace eventbus {
namespace monolog {

namespace {

constexpr int kMaxPriority = 191; // facility 23 (local7) * 8 + severity 7

bool isPrintable(char c) { return c >= 33 && c <= 126; }

/// Reads one space-terminated header field of printable US-ASCII (RFC 5424 section 6.2), at most
/// maxLen bytes; pos ends on the byte after the space.
bool readField(std::string_view s, size_t& pos, size_t maxLen, std::string_view& field) {
    const size_t start = pos;
    while (pos < s.size() && isPrintable(s[pos])) ++pos;
    if (pos == start || pos - start > maxLen || pos >= s.size() || s[pos] != ' ') return false;
    field = s.substr(start, pos - start);
    ++pos;
    return true;
}

/// Reads STRUCTURED-DATA: "-" or one or more [SD-ELEMENT], where a PARAM-VALUE is a quoted string
/// in which \" \\ and \] are escapes. pos ends on the byte after it.
bool readStructuredData(std::string_view s, size_t& pos, std::string_view& field) {
    const size_t start = pos;
    if (pos < s.size() && s[pos] == '-') {
        ++pos;
    } else {
        while (pos < s.size() && s[pos] == '[') {
            bool quoted = false;
            for (++pos; pos < s.size(); ++pos) {
                const char c = s[pos];
                if (quoted && c == '\\') {
                    ++pos;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && c == ']') {
                    break;
                }
            }
            if (pos >= s.size()) return false;
            ++pos;
        }
    }
    if (pos == start) return false;
    field = s.substr(start, pos - start);
    return true;
}

} // namespace

SyslogFrame SyslogFrame::invalid(std::string error) {
    SyslogFrame f;
    f._error = std::move(error);
    return f;
}

SyslogFrame SyslogFrame::parse(std::string_view s) {
    SyslogFrame f;
    size_t pos = 0;
    if (s.empty() || s[0] != '<') return invalid("no <PRI> at the start");
    int priority = 0;
    size_t digits = 0;
    for (pos = 1; pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && digits < 3; ++pos, ++digits)
        priority = priority * 10 + (s[pos] - '0');
    if (digits == 0 || pos >= s.size() || s[pos] != '>' || priority > kMaxPriority)
        return invalid("invalid <PRI>");
    f._priority = priority;
    ++pos;
    int version = 0;
    digits = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && digits < 2; ++pos, ++digits)
        version = version * 10 + (s[pos] - '0');
    if (digits == 0 || version == 0 || pos >= s.size() || s[pos] != ' ')
        return invalid("no RFC 5424 VERSION after <PRI> (RFC 3164 headers are not supported)");
    f._version = version;
    ++pos;
    if (!readField(s, pos, 64, f._timestamp)) return invalid("invalid TIMESTAMP");
    if (!readField(s, pos, 255, f._hostname)) return invalid("invalid HOSTNAME");
    if (!readField(s, pos, 48, f._appName)) return invalid("invalid APP-NAME");
    if (!readField(s, pos, 128, f._procId)) return invalid("invalid PROCID");
    if (!readField(s, pos, 32, f._msgId)) return invalid("invalid MSGID");
    if (!readStructuredData(s, pos, f._structuredData)) return invalid("invalid STRUCTURED-DATA");
    if (pos < s.size()) {
        if (s[pos] != ' ') return invalid("no space after STRUCTURED-DATA");
        std::string_view message = s.substr(pos + 1);
        if (message.substr(0, 3) == "\xEF\xBB\xBF") message.remove_prefix(3);
        while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.remove_suffix(1);
        f._message = message;
    }
    return f;
}

} // namespace monolog
} // namespace eventbus
