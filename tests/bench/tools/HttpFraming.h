// Where an HTTP/1.1 message's parts are, for the sink and the load generator, which both speak
// raw HTTP over sockets to stay cheap: a header's value and the extent of a chunked body.
#ifndef EVENTBUS_BENCH_HTTPFRAMING_H
#define EVENTBUS_BENCH_HTTPFRAMING_H

#include <cstddef>
#include <string>

namespace eventbus {
namespace bench {

class HttpFraming {
public:
    /// The value of the header name (case-insensitive) in a block of header lines, or "".
    static std::string header(const char* block, size_t size, const char* name);

    /// Walks a chunked body starting at data and appends its content to body (when not null).
    /// Returns the bytes the encoded body spans, 0 when incomplete, npos when malformed.
    static size_t dechunk(const char* data, size_t size, std::string* body);
};

} // namespace bench
} // namespace eventbus

#endif
