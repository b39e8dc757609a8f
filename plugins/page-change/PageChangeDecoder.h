// Turns one request body on one route into the events the extension's hook handlers
// (EventBusHooks, PageChangeEventIngress, UserChangeHooks; spec section 5) would send for it, or
// into a rejection naming the wrong field. Pure: no I/O, no shared mutable state, so the plugin
// may call it from several threads at once.
#ifndef EVENTBUS_PAGECHANGE_PAGECHANGEDECODER_H
#define EVENTBUS_PAGECHANGE_PAGECHANGEDECODER_H

#include "PayloadReader.h"
#include "WikiSettings.h"

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace eventbus {
namespace pagechange {

/// One serialized event, ready for Sink::emit.
struct EncodedEvent {
    int type = 0;
    std::string stream;
    std::string id;
    std::string json;
};

/// The events of one request, or why it was refused (nothing is emitted then).
struct DecodeResult {
    std::vector<EncodedEvent> events;
    std::string rejectReason;   ///< metric label, e.g. "invalid_payload"; empty on success
    std::string rejectMessage;  ///< "<field>: <problem>"

    bool ok() const { return rejectReason.empty(); }
};

class PageChangeDecoder {
public:
    /// Route names double as listener names; the HTTP path is <prefix>/<name>.
    static const std::vector<std::string>& routeNames();
    static constexpr size_t kMaxNesting = 64;

    /// pageChangeStream and userChangeStream are already resolved through the stream-name map.
    PageChangeDecoder(WikiSettings defaults, std::string pageChangeStream, std::string userChangeStream);

    /// requestIdHeader: the X-Request-Id of the forwarder's request (used when the body has none).
    DecodeResult decode(std::string_view route, std::string_view body, std::string_view requestIdHeader) const;

private:
    struct Request;
    using Documents = std::vector<rapidjson::Document>;

    Documents pageSaveComplete(const Request& r) const;
    Documents revisionRecordInserted(const Request& r) const;
    Documents pageDeleteComplete(const Request& r) const;
    Documents pageUndeleteComplete(const Request& r) const;
    Documents pageMoveComplete(const Request& r) const;
    Documents articleRevisionVisibilitySet(const Request& r) const;
    Documents articlePurge(const Request& r) const;
    Documents blockIpComplete(const Request& r) const;
    Documents linksUpdateComplete(const Request& r) const;
    Documents articleProtectComplete(const Request& r) const;
    Documents changeTagsAfterUpdateTags(const Request& r) const;
    Documents pageLatestRevisionChanged(const Request& r) const;
    Documents pageDeleted(const Request& r) const;
    Documents pageMoved(const Request& r) const;
    Documents pageCreated(const Request& r) const;
    Documents pageHistoryVisibilityChanged(const Request& r) const;
    Documents localUserCreated(const Request& r) const;
    Documents userGroupsChanged(const Request& r) const;
    Documents manualLogEntryBeforePublish(const Request& r) const;

    using Handler = Documents (PageChangeDecoder::*)(const Request&) const;
    struct Route {
        std::string name;
        Handler handler;
    };
    static const std::vector<Route>& routes();

    WikiSettings _defaults;
    std::string _pageChangeStream;
    std::string _userChangeStream;
};

} // namespace pagechange
} // namespace eventbus

#endif
