// Delivers one batch to an event service and reports the raw answer; DeliveryOutcome judges it.
#ifndef EVENTBUS_HOST_SENDER_H
#define EVENTBUS_HOST_SENDER_H

#include "DispatchSettings.h"
#include "EventStore.h"

#include <memory>
#include <string>
#include <vector>

namespace eventbus {

/// The answer to one request. status 0 means no HTTP answer: reason then says why.
struct SendResponse {
    enum class Failure { None, Connect, Timeout, Io };
    int status = 0;
    std::string reason; ///< the HTTP reason phrase, or the transport error
    std::string body;
    Failure failure = Failure::None;
};

class Sender {
public:
    virtual ~Sender() = default;

    /// Sends one batch; body is Batcher::join(events). clientIp is the batch's common client
    /// address ("" when unknown or not shared). Thread-safe: the dispatcher runs up to
    /// `connections` sends at once. Never throws for delivery problems.
    virtual SendResponse send(const std::vector<StoredEvent>& events, const std::string& body,
        const std::string& clientIp) = 0;
    /// Makes running and future sends fail at once (shutdown past the drain deadline).
    virtual void abort() = 0;

    /// The sender for a service url: HttpSender for http://, FileSender for file:/path. Throws
    /// std::invalid_argument for any other url.
    static std::unique_ptr<Sender> create(const ServiceSettings& service);
};

} // namespace eventbus

#endif
