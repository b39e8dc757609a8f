// The whole logic of the hello-udp plugin, as a plain class: one "stream text" line in, one
// /test/event/1.0.0 event (or a reason to reject the line) out. No sockets, no host: the unit
// tests call it directly.
#ifndef HELLO_UDP_HELLODECODER_H
#define HELLO_UDP_HELLODECODER_H

#include <functional>
#include <string>
#include <string_view>

namespace hello {

struct HelloEvent {
    std::string stream; ///< meta.stream, after the operator's stream-name map
    std::string id;     ///< meta.id
    std::string json;   ///< the whole event, compact JSON
};

struct HelloResult {
    bool ok = false;
    HelloEvent event;    ///< when ok
    std::string reason;  ///< when not ok: a short metric label
    std::string message; ///< when not ok: for the log
};

class HelloDecoder {
public:
    using StreamResolver = std::function<std::string(const std::string&)>;

    /// Only streams starting with allowedPrefix are accepted (empty: any). resolveStream maps a
    /// stream name to the operator's name; it must be safe to call from several threads.
    HelloDecoder(std::string allowedPrefix, StreamResolver resolveStream);

    /// line is "<stream> <text>", optionally ending in "\n"; peer ("ip:port") goes into the event.
    HelloResult decode(std::string_view line, std::string_view peer) const;

private:
    std::string _allowedPrefix;
    StreamResolver _resolveStream;
};

} // namespace hello

#endif
