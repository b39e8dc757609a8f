#ifndef EVENTBUS_CDNPURGE_PURGEREQUESTDECODER_H
#define EVENTBUS_CDNPURGE_PURGEREQUESTDECODER_H

#include <string>
#include <string_view>

namespace eventbus {
namespace cdnpurge {

/// Turns a CDN purge from MediaWiki (an HTCP CLR datagram, or an HTTP PURGE request sent to
/// $wgCdnServers) into the resource_change/1.0.0 event that EventBus's CdnPurgeEventRelayer builds
/// for the same URL. A pure function of its input: no I/O, no shared state.
class PurgeRequestDecoder {
public:
    /// The event, or why the input was rejected.
    struct Result {
        const char* reason = nullptr; ///< metric label when rejected; nullptr when decoded
        std::string message;          ///< why it was rejected, for the log and the 400 answer
        std::string id;               ///< meta.id of the event
        std::string json;             ///< the event, compact JSON

        bool ok() const { return reason == nullptr; }
    };

    /// Longest URL kept: the schema's limit for meta.uri.
    static constexpr size_t kMaxUrlBytes = 8192;

    PurgeRequestDecoder(std::string stream, std::string domain);
    /// stream: meta.stream of every event. domain: meta.domain ($wgServerName); empty means the
    /// host of each purged URL.

    /// One HTCP CLR datagram.
    Result decodeHtcp(std::string_view datagram) const;
    /// One HTTP request: method, request target (absolute-form, or origin-form with a Host header,
    /// as MediaWiki up to 1.34 sent with $wgSquidPurgeUseHostHeader) and the Host header.
    Result decodeRequest(std::string_view method, std::string_view target, std::string_view host) const;

    const std::string& stream() const { return _stream; }

    /// The host of an absolute URL, without user info and port.
    static std::string_view hostOf(std::string_view url);

private:
    Result purgeEvent(std::string_view url) const;

    std::string _stream;
    std::string _domain;
};

} // namespace cdnpurge
} // namespace eventbus

#endif
