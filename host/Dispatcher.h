// The dispatcher: routes events to their event service, batches, delivers, retries and counts
// (the PHP EventBus, EventBusFactory and EventBusSendUpdate, for a long-running daemon).
//
// Per event service, `connections` worker threads take batches from the store (Batcher limits,
// linger), send them (HttpSender or FileSender) and settle each event by the answer
// (DeliveryOutcome): delivered -> ack, retry -> back to the store after the service's backoff
// (Backoff; a failing service gets one request at a time), never deliverable -> dead letter.
//
// Metrics. The extension's ten counters keep the names Prometheus shows for them in production,
// where core's stats library prefixes the component: mediawiki_EventBus_<name>, so existing
// dashboards keep working. Labels in the extension's order: function_name="send", event_type
// (TYPE_EVENT/TYPE_JOB/TYPE_PURGE), event_service_name, event_service_uri, then the extra ones.
// Label values are kept readable (core's normalization to [A-Za-z0-9_] is not applied) and
// escaped in the text output. Counted per request, as the extension counts per send():
//   mediawiki_EventBus_event_batch_not_enqueable_total   once per submit and (service, type)
//                                                         refused by the mask or for a disabled stream
//                                                         (service and uri "_disabled_eventbus_")
//   mediawiki_EventBus_event_batch_is_string_total        always 0 (no string input path)
//   mediawiki_EventBus_events_outgoing_total              events per request (each attempt)
//   mediawiki_EventBus_events_outgoing_by_stream_total    + stream_name
//   mediawiki_EventBus_event_batch_not_serializable_total always 0 (plugins serialize)
//   mediawiki_EventBus_event_batch_partitioned_total      batches cut by the max batch bytes
//   mediawiki_EventBus_event_service_response_total       + status_code ("0": no answer)
//   mediawiki_EventBus_events_failed_total                + failure_kind, status_code: entries
//                                                         listed in a 207/400/500 body
//   mediawiki_EventBus_events_failed_by_stream_total      + failure_kind, status_code, stream_name
//   mediawiki_EventBus_events_accepted_total              events delivered (unlike the extension,
//                                                         not those of a failed or unanswered request)
// The daemon's own, prefixed eventbus_:
//   eventbus_events_dead_lettered_total{event_service_name,reason}  reason: invalid (EventGate
//                                                         judged it), rejected (a 400 that did not
//                                                         name it), oversized, error (reported as
//                                                         `error` in maxEventErrors 207 answers)
//   eventbus_delivery_retries_total{event_service_name}   events put back for another attempt
//   eventbus_delivery_backoff_seconds{event_service_name} current backoff delay, 0 when healthy
//   eventbus_delivery_latency_seconds{event_service_name} histogram, ingress to EventGate's answer
//   eventbus_dispatch_queued_events{event_service_name}   pending + in flight
//   eventbus_dispatch_held_bytes                          memory counted against the budget
//   eventbus_dispatch_full_total                          submissions refused (budget or draining)
#ifndef EVENTBUS_HOST_DISPATCHER_H
#define EVENTBUS_HOST_DISPATCHER_H

#include "DispatchSettings.h"
#include "Event.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace eventbus {

class EventStore;
class MetricsRegistry;

/// What became of a submitted set of events, for the ingress to answer its client.
struct SubmitResult {
    size_t accepted = 0;       ///< held by the dispatcher (and durable when the store is)
    size_t notEnqueueable = 0; ///< refused by the enable mask (event_batch_not_enqueable_total)
    size_t disabled = 0;       ///< undeclared or disabled stream: goes nowhere, counted
    bool full = false;         ///< memory or disk budget reached: nothing of the set was taken;
                               ///< HTTP answers 503 with Retry-After, UDP/TCP count a drop
    int retryAfterSeconds = 1;
};

class Dispatcher {
public:
    /// Throws std::invalid_argument naming the problem (unknown default service, bad mask, bad
    /// regex...) so that --validate can report it before anything starts.
    Dispatcher(const DispatchSettings& settings, MetricsRegistry& metrics);
    /// The same with a given store (a durable one); null means a MemoryStore that writes dead
    /// letters to settings.deadLetterPath.
    Dispatcher(const DispatchSettings& settings, MetricsRegistry& metrics, std::shared_ptr<EventStore> store);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// Starts the delivery threads.
    void start();
    /// Takes the events as one unit: all accepted or (full) none. Thread-safe. Returns once the
    /// events are held by the store; with a durable store that means stored. full is also
    /// returned once drain() has begun. Events without ingressUs get the current time.
    SubmitResult submit(std::vector<Event>&& events);
    /// Stops taking events, flushes batches and lets in-flight requests finish until deadline;
    /// what is left stays in the store. Returns true when everything was delivered.
    bool drain(std::chrono::steady_clock::time_point deadline);

    /// Events held and not yet delivered or dead-lettered, over all services.
    size_t backlog() const;

    /// EventBusStreamNamesMap: the configured stream name for a producer's default name.
    std::string resolveStream(const std::string& defaultName) const;

private:
    struct Impl;
    std::unique_ptr<Impl> _impl;
};

} // namespace eventbus

#endif
