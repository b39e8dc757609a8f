// The dispatcher: routes events to their event service, batches, delivers, retries and counts
// (the PHP EventBus, EventBusFactory and EventBusSendUpdate, for a long-running daemon).
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
    /// events are held by the store; with a durable store that means stored.
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
