#ifndef EVENTBUS_RCFEED_RCFEEDDECODER_H
#define EVENTBUS_RCFEED_RCFEEDDECODER_H

#include <string>
#include <string_view>

namespace eventbus {
namespace rcfeed {

/// Turns one $wgRCFeeds datagram (core's JSONRCFeedFormatter output, with or without a udp2log
/// prefix and trailing newline) into the mediawiki/recentchange/1.0.0 event that the EventBus RC
/// formatter builds from the same change. A pure function of its input: no I/O, no shared state.
class RcFeedDecoder {
public:
    /// The event, or why the datagram was rejected.
    struct Result {
        const char* reason = nullptr; ///< metric label when rejected; nullptr when decoded
        std::string message;          ///< why it was rejected, for the log
        std::string json;             ///< the event, compact JSON
        size_t idOffset = 0;          ///< where meta.id lies in json (a UUID, 36 characters)

        bool ok() const { return reason == nullptr; }
        /// meta.id of the event.
        std::string_view id() const { return std::string_view(json).substr(idOffset, 36); }
    };

    /// Largest payload UDPTransport sends (it truncates to this).
    static constexpr size_t kMaxDatagramBytes = 65507;

    RcFeedDecoder(std::string stream, std::string articlePath);
    /// stream: meta.stream of every event. articlePath: $wgArticlePath, used for meta.uri only when
    /// a change lacks title_url (MediaWiki before 1.2x).

    Result decode(std::string_view datagram) const;

    const std::string& stream() const { return _stream; }

private:
    std::string _stream;
    std::string _articlePath;
    std::string _encodedStream; ///< meta.stream as JSON, encoded once for all events
    std::string _streamError;   ///< why the stream name cannot be encoded (invalid UTF-8), else empty
};

} // namespace rcfeed
} // namespace eventbus

#endif
