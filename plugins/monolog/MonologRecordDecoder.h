#ifndef EVENTBUS_MONOLOG_MONOLOGRECORDDECODER_H
#define EVENTBUS_MONOLOG_MONOLOGRECORDDECODER_H

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus {
namespace monolog {

/// Turns Monolog JsonFormatter records into events as EventBusMonologHandler does: the event is the
/// record's context without `private` and `context.*` keys, with non-UTF-8 strings replaced by
/// data: URIs, routed by its own `$schema` and `meta.stream`. A pure function of its input.
class MonologRecordDecoder {
public:
    /// Maps a Monolog channel to the stream for records whose context has no meta.stream.
    using ChannelStreams = std::map<std::string, std::string, std::less<>>;

    struct Event {
        std::string stream; ///< meta.stream
        std::string id;     ///< meta.id
        std::string json;   ///< the event, compact JSON
    };

    /// The events of one input (all or none), or why it was rejected.
    struct Result {
        const char* reason = nullptr; ///< metric label when rejected; nullptr when decoded
        std::string message;          ///< why it was rejected, for the log
        std::vector<Event> events;

        bool ok() const { return reason == nullptr; }
    };

    explicit MonologRecordDecoder(ChannelStreams channelStreams = {});

    /// One line of a JSON-lines stream (SocketHandler): one record, or a JSON array of records
    /// (JsonFormatter's batch mode). A trailing CR/LF is ignored.
    Result decodeLine(std::string_view line) const;
    /// One UDP datagram: an RFC 5424 syslog frame whose message is a record (SyslogUdpHandler),
    /// a udp2log line "<channel> <record>" (MediaWiki's LegacyHandler) or a bare record
    /// (SocketHandler over udp://).
    Result decodeDatagram(std::string_view datagram) const;

    /// Parses "channel=stream,channel=stream" (spaces around items allowed). Returns false with
    /// error set on a malformed item.
    static bool parseChannelStreams(std::string_view text, ChannelStreams& out, std::string& error);

private:
    ChannelStreams _channelStreams;
};

} // namespace monolog
} // namespace eventbus

#endif
