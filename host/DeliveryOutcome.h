// What an event service's answer means for each event of the batch (spec eventgate-contract):
// delivered, retried later, or dead-lettered with a reason.
#ifndef EVENTBUS_HOST_DELIVERYOUTCOME_H
#define EVENTBUS_HOST_DELIVERYOUTCOME_H

#include "EventStore.h"
#include "Sender.h"

#include <string>
#include <vector>

namespace eventbus {

class DeliveryOutcome {
public:
    enum class Verdict { Delivered, Retry, DeadLetter };

    /// One failure entry EventGate listed in its body (for events_failed_total and
    /// events_failed_by_stream_total).
    struct ListedFailure {
        std::string kind;   ///< "invalid" or "error" (the body's key)
        std::string stream; ///< echoed meta.stream, or __value_unknown__
    };

    /// Judges the answer to a batch of these events:
    /// - 2xx except 207: all delivered (201, 202 hasty, 204);
    /// - 207: the `invalid` entries, matched by the echoed meta.id, are dead-lettered with
    ///   EventGate's text (context.errorsText, else context.message), the `error` entries retried,
    ///   the rest delivered; when an entry matches no event, events without an id are retried too;
    /// - 400: all dead-lettered (matched ones with EventGate's text, others "400: <reason>");
    /// - 500 with per-event arrays: invalid ones dead-lettered, the others retried;
    /// - 500 problem object, any other 5xx, 408, 429, other statuses and no answer: all retried.
    DeliveryOutcome(const SendResponse& response, const std::vector<StoredEvent>& events);

    Verdict verdict(size_t index) const;
    /// The dead letter's reason text for a DeadLetter verdict.
    const std::string& reason(size_t index) const;
    /// The dead letter's category: "invalid" (EventGate judged the event) or "rejected" (a 400
    /// that did not name it); the reason label of eventbus_events_dead_lettered_total.
    const std::string& category(size_t index) const;

    /// A Retry because a 207 listed this very event as `error` while accepting others of the same
    /// request: the event itself is the likely cause (unknown schema, missing $schema), not the
    /// service. reason() then holds EventGate's message.
    bool blamed(size_t index) const;

    const std::vector<ListedFailure>& listedFailures() const;
    size_t count(Verdict verdict) const;
    /// "<status>: <reason>" or the transport error, for logs.
    const std::string& summary() const;

private:
    struct Judgement {
        Verdict verdict = Verdict::Delivered;
        std::string reason;
        std::string category;
        bool blamed = false;
    };
    void setAll(Verdict verdict, const std::string& reason, const std::string& category);
    /// Reads {"invalid":[...],"error":[...]}; false when the body is not that shape.
    bool applyEntries(const std::string& body, const std::vector<StoredEvent>& events, int status);

    std::vector<Judgement> _judgements;
    std::vector<ListedFailure> _listed;
    std::string _summary;
};

} // namespace eventbus

#endif
