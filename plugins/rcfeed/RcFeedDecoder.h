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
        bool validated = false;       ///< decoded by the validated path (tests check which changes take it)

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
    /// decode without its validated path: RapidJSON's reader and the change writer for every
    /// datagram. decode gives the same result (meta.id aside), faster for the changes MediaWiki
    /// sends; tests and the fuzzer compare the two.
    Result decodeGeneral(std::string_view datagram) const;

    const std::string& stream() const { return _stream; }

private:
    /// The size limit, the JSON part and NUL bytes; false with the rejection in result.
    bool checkDatagram(std::string_view datagram, std::string_view& body, Result& result) const;
    /// The event of a change the validated path takes (see RcFeedDecoder.cpp); false, result
    /// untouched, for any other.
    bool decodeValidated(std::string_view body, Result& result) const;
    /// The event of any change, or why it is rejected.
    Result decodeChange(std::string_view body) const;

    std::string _stream;
    std::string _articlePath;
    std::string _encodedStream; ///< meta.stream as JSON, encoded once for all events
    std::string _streamError;   ///< why the stream name cannot be encoded (invalid UTF-8), else empty
};

} // namespace rcfeed
} // namespace eventbus

#endif
