#include "Dispatcher.h"

#include "Backoff.h"
#include "Batcher.h"
#include "DeliveryOutcome.h"
#include "EnableMask.h"
#include "LogThrottle.h"
#include "MemoryStore.h"
#include "MetricsRegistry.h"
#include "Sender.h"
#include "StreamRouter.h"

#include <Poco/Logger.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace eventbus {

namespace {

/// The extension's metrics keep the names Prometheus shows for them in production (core's stats
/// library prefixes the component), so existing dashboards keep working.
const std::string EXT = "mediawiki_EventBus_";
const std::string NOT_ENQUEABLE = EXT + "event_batch_not_enqueable_total";
const std::string IS_STRING = EXT + "event_batch_is_string_total";
const std::string OUTGOING = EXT + "events_outgoing_total";
const std::string OUTGOING_BY_STREAM = EXT + "events_outgoing_by_stream_total";
const std::string NOT_SERIALIZABLE = EXT + "event_batch_not_serializable_total";
const std::string PARTITIONED = EXT + "event_batch_partitioned_total";
const std::string RESPONSES = EXT + "event_service_response_total";
const std::string FAILED = EXT + "events_failed_total";
const std::string FAILED_BY_STREAM = EXT + "events_failed_by_stream_total";
const std::string ACCEPTED = EXT + "events_accepted_total";
const std::string DEAD_LETTERED = "eventbus_events_dead_lettered_total";
const std::string RETRIES = "eventbus_delivery_retries_total";
const std::string BACKOFF = "eventbus_delivery_backoff_seconds";
const std::string LATENCY = "eventbus_delivery_latency_seconds";
const std::string QUEUED = "eventbus_dispatch_queued_events";
const std::string HELD_BYTES = "eventbus_dispatch_held_bytes";
const std::string FULL = "eventbus_dispatch_full_total";
const std::string LOST = "eventbus_dispatch_lost_total";
const std::string UNWRITTEN = "eventbus_dead_letters_unwritten";

/// Memory the dispatcher holds outside the store (taken events, a batch body), counted against
/// the memory budget from construction until done() or destruction, even when an exception ends it.
class HeldBytes {
public:
    HeldBytes(std::atomic<size_t>& total, size_t bytes) : _total(total), _bytes(bytes) { _total += bytes; }
    ~HeldBytes() { done(); }
    HeldBytes(const HeldBytes&) = delete;
    HeldBytes& operator=(const HeldBytes&) = delete;
    void done()
    {
        _total -= _bytes;
        _bytes = 0;
    }

private:
    std::atomic<size_t>& _total;
    size_t _bytes;
};

int64_t wallMicroseconds()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
}

void describeMetrics(MetricsRegistry& metrics)
{
    metrics.describe(NOT_ENQUEABLE, "counter", "Submissions refused by EnableEventBus or for an undeclared or disabled stream");
    metrics.describe(IS_STRING, "counter", "Kept for dashboards; events arrive serialized by plugins, so always 0");
    metrics.describe(OUTGOING, "counter", "Events sent in requests to the event service (each attempt)");
    metrics.describe(OUTGOING_BY_STREAM, "counter", "Events sent in requests to the event service, by stream");
    metrics.describe(NOT_SERIALIZABLE, "counter", "Kept for dashboards; plugins serialize events, so always 0");
    metrics.describe(PARTITIONED, "counter", "Batches cut short by the max batch byte size");
    metrics.describe(RESPONSES, "counter", "Answers of the event service by HTTP status (0: no answer)");
    metrics.describe(FAILED, "counter", "Failed events listed in event service answers");
    metrics.describe(FAILED_BY_STREAM, "counter", "Failed events listed in event service answers, by stream");
    metrics.describe(ACCEPTED, "counter", "Events the event service accepted");
    metrics.describe(DEAD_LETTERED, "counter", "Events that will never be delivered, by reason");
    metrics.describe(RETRIES, "counter", "Events put back for another delivery attempt");
    metrics.describe(UNWRITTEN, "gauge",
        "Dead letters the store could not keep yet (e.g. a full disk): held, tried again with backoff");
    metrics.describe(LOST, "counter",
        "Events a failing store could not take back after an unexpected delivery error (memory spool: gone; "
        "durable spool: delivered after a restart)");
    metrics.describe(BACKOFF, "gauge", "Current backoff delay of a failing event service (0: healthy)");
    metrics.describe(LATENCY, "histogram", "Seconds from ingress to the event service's answer, per delivered event");
    metrics.describe(QUEUED, "gauge", "Events held for an event service (pending and in flight)");
    metrics.describe(HELD_BYTES, "gauge", "Memory held by the dispatcher for events, counted against its budget");
    metrics.describe(FULL, "counter", "Submissions refused because the memory or store budget was reached");
}

/// The service as the dispatcher uses it; a timeout of 0 means 10 s, as in the extension.
ServiceSettings checkedService(ServiceSettings service)
{
    if (service.timeoutSeconds == 0)
        service.timeoutSeconds = 10;
    if (service.maxBatchEvents < 1)
        throw std::invalid_argument("event service " + service.name + ": max batch events must be at least 1");
    if (service.maxBatchBytes < 3)
        throw std::invalid_argument("event service " + service.name + ": max batch bytes must be at least 3");
    if (service.timeoutSeconds < 0 || service.connectTimeoutSeconds <= 0)
        throw std::invalid_argument("event service " + service.name + ": timeouts must be positive");
    return service;
}

} // namespace

struct Dispatcher::Impl {
    struct Service {
        explicit Service(const ServiceSettings& s)
            : settings(s)
            , sender(Sender::create(s))
            , batcher(Batcher::Limits{s.maxBatchEvents, s.maxBatchBytes, int64_t(s.lingerMs) * 1000, s.forwardClientIp})
            , backoff(std::chrono::milliseconds(s.backoffBaseMs), std::chrono::milliseconds(s.backoffMaxMs))
            , letterBackoff(std::chrono::milliseconds(s.backoffBaseMs), std::chrono::milliseconds(s.backoffMaxMs))
        {
        }
        /// Dead letters the store could not keep (e.g. the disk is full). They stay in flight,
        /// held here rather than sent again, and are handed to the store again after
        /// letterBackoff's delay; the service's own delivery and backoff go on unaffected.
        struct UnkeptLetters {
            std::vector<StoredEvent> events;
            std::string category;
            std::string reason;
            size_t bytes = 0; ///< counted in inFlightBytes while held
        };
        ServiceSettings settings;
        std::unique_ptr<Sender> sender;
        Batcher batcher;
        Backoff backoff;
        int inFlight = 0;
        int idleWorkers = 0; ///< workers waiting for a queue that was empty: submit must wake one
        std::unordered_map<uint64_t, int> eventErrors; ///< 207 `error` reports per event seq
        std::vector<UnkeptLetters> unkept;
        Backoff letterBackoff;
        size_t unkeptEvents() const
        {
            size_t count = 0;
            for (const UnkeptLetters& letters : unkept)
                count += letters.events.size();
            return count;
        }
        std::condition_variable wake;
        std::vector<std::thread> workers;
    };

    Impl(const DispatchSettings& s, MetricsRegistry& m, std::shared_ptr<EventStore> st)
        : settings(s)
        , metrics(m)
        , mask(s.enable)
        , router(s)
        , store(st ? std::move(st) : std::make_shared<MemoryStore>(s.deadLetterPath))
        , log(Poco::Logger::get("eventbus.dispatcher"))
    {
        for (const ServiceSettings& service : s.services) {
            if (service.url.empty())
                continue;
            services.emplace(service.name, std::make_unique<Service>(checkedService(service)));
        }
        describeMetrics(metrics);
    }

    Labels base(const std::string& service, const std::string& url, int type) const
    {
        return {{"function_name", "send"}, {"event_type", EnableMask::typeName(type)},
            {"event_service_name", service}, {"event_service_uri", url}};
    }

    void run(Service& service);
    void deliver(Service& service, std::vector<StoredEvent>& events, const Batcher::Builder& batch);
    /// Hands letters to the store's dead letters and counts them; when the store cannot keep
    /// them, holds them in service.unkept for the next attempt.
    void keepLetters(Service& service, std::vector<StoredEvent>& letters, const std::string& category,
        const std::string& reason);
    void settle(Service& service, std::vector<StoredEvent>& events, const SendResponse& response,
        const Labels& labels);
    void updateGauges(const std::string& service);
    void stop();

    DispatchSettings settings;
    MetricsRegistry& metrics;
    EnableMask mask;
    StreamRouter router;
    std::shared_ptr<EventStore> store;
    Poco::Logger& log;
    LogThrottle throttle; ///< dead letters can come by the thousand (an invalid-heavy producer)
    std::map<std::string, std::unique_ptr<Service>> services;

    std::mutex mutex; ///< scheduling state: inFlight, backoff, the flags below
    std::condition_variable settled;
    bool started = false;
    bool draining = false;
    bool stopping = false;

    std::mutex submitMutex; ///< guards the budget check and reservedBytes
    size_t reservedBytes = 0; ///< budget taken by submissions still appending
    std::atomic<size_t> inFlightBytes{0};
};

void Dispatcher::Impl::run(Service& service)
{
    const std::string& name = service.settings.name;
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
        if (!service.unkept.empty() && Backoff::Clock::now() >= service.letterBackoff.readyAt()) {
            std::vector<Service::UnkeptLetters> again;
            again.swap(service.unkept);
            lock.unlock();
            for (Service::UnkeptLetters& letters : again) {
                inFlightBytes -= letters.bytes;
                keepLetters(service, letters.events, letters.category, letters.reason);
            }
            lock.lock();
            continue;
        }
        // A failing service gets one probe at a time, each after its backoff delay.
        size_t limit = service.backoff.failing() ? 1 : static_cast<size_t>(std::max(service.settings.connections, 1));
        if (static_cast<size_t>(service.inFlight) >= limit) {
            service.wake.wait(lock);
            continue;
        }
        if (service.backoff.failing() && Backoff::Clock::now() < service.backoff.readyAt()) {
            service.wake.wait_until(lock, service.backoff.readyAt());
            continue;
        }
        StoreStats queue = store->stats(name);
        if (queue.pending == 0) {
            // A durable store also gains events without submit (dead letters an operator
            // requeued), so an idle worker looks again now and then.
            ++service.idleWorkers;
            auto until = Backoff::Clock::now() + std::chrono::seconds(1);
            if (!service.unkept.empty())
                until = std::min(until, service.letterBackoff.readyAt());
            service.wake.wait_until(lock, until);
            --service.idleWorkers;
            continue;
        }
        int64_t now = wallMicroseconds();
        if (!draining && !service.batcher.due(queue, now)) {
            service.wake.wait_for(lock, std::chrono::microseconds(service.batcher.dueAtUs(queue) - now));
            continue;
        }
        Batcher::Builder batch = service.batcher.builder();
        std::vector<StoredEvent> events = store->take(name, [&batch](const Event& event) { return batch.add(event); });
        if (events.empty()) { // a store that reports pending events it cannot hand out: do not spin
            service.wake.wait_for(lock, std::chrono::microseconds(service.batcher.limits().lingerUs + 1000));
            continue;
        }
        // The taken events are this worker's memory until settled (the store stopped counting them).
        size_t footprints = 0;
        for (const StoredEvent& stored : events)
            footprints += EventStore::footprint(stored.event);
        HeldBytes held(inFlightBytes, footprints);
        ++service.inFlight;
        // More waiting: hand the rest to another connection instead of leaving it to a timer.
        if (store->stats(name).pending > 0)
            service.wake.notify_one();
        lock.unlock();
        try {
            deliver(service, events, batch);
        } catch (const std::exception& e) {
            log.error("event service %s: delivery failed unexpectedly: %s", name, std::string(e.what()));
            // What was not handed back yet (settle() leaves exactly that in events).
            try {
                store->release(name, std::move(events));
            } catch (const std::exception& again) {
                // Out of options (the store failed twice, e.g. out of memory): count and say it
                // rather than take the whole daemon down.
                metrics.add(LOST, {{"event_service_name", name}}, static_cast<double>(events.size()));
                log.critical("event service %s: cannot return %z events to the queue: %s", name, events.size(),
                    std::string(again.what()));
            }
        }
        held.done();
        lock.lock();
        --service.inFlight;
        updateGauges(name);
        service.wake.notify_all();
        settled.notify_all();
    }
}

void Dispatcher::Impl::deliver(Service& service, std::vector<StoredEvent>& events, const Batcher::Builder& batch)
{
    const ServiceSettings& settings = service.settings;
    Labels labels = base(settings.name, settings.displayUrl(), events.front().event.type);
    if (batch.partitioned())
        metrics.add(PARTITIONED, labels);
    if (batch.oversized()) {
        const StoredEvent& event = events.front();
        std::string reason = "event of " + std::to_string(event.event.json.size())
            + " bytes is larger than the max batch size of " + std::to_string(settings.maxBatchBytes) + " bytes";
        size_t suppressed = 0;
        if (throttle.allow(settings.name + "/oversized", suppressed))
            log.error("event service %s: dead-lettering event %s of stream %s: %s (%z similar lines suppressed)",
                settings.name, event.event.id, event.event.stream, reason, suppressed);
        keepLetters(service, events, "oversized", reason); // the batch is this one event
        return;
    }

    std::string body = Batcher::join(events);
    // Until the batch is settled (run() counts the events themselves).
    HeldBytes heldBody(inFlightBytes, body.size());

    metrics.add(OUTGOING, labels, static_cast<double>(events.size()));
    std::map<std::string, size_t> byStream;
    for (const StoredEvent& stored : events)
        ++byStream[stored.event.stream.empty() ? "__value_unknown__" : stored.event.stream];
    for (const auto& [stream, count] : byStream) {
        Labels streamLabels = labels;
        streamLabels.emplace_back("stream_name", stream);
        metrics.add(OUTGOING_BY_STREAM, streamLabels, static_cast<double>(count));
    }

    std::string clientIp = settings.forwardClientIp ? events.front().event.clientIp : std::string();
    SendResponse response = service.sender->send(events, body, clientIp);
    body.clear();
    body.shrink_to_fit();
    settle(service, events, response, labels);
}

void Dispatcher::Impl::settle(Service& service, std::vector<StoredEvent>& events, const SendResponse& response,
    const Labels& labels)
{
    const std::string& name = service.settings.name;
    std::string status = std::to_string(response.status);
    Labels responseLabels = labels;
    responseLabels.emplace_back("status_code", status);
    metrics.add(RESPONSES, responseLabels);

    DeliveryOutcome outcome(response, events);
    for (const DeliveryOutcome::ListedFailure& failure : outcome.listedFailures()) {
        Labels failed = labels;
        failed.emplace_back("failure_kind", failure.kind);
        failed.emplace_back("status_code", status);
        metrics.add(FAILED, failed);
        failed.emplace_back("stream_name", failure.stream);
        metrics.add(FAILED_BY_STREAM, failed);
    }

    std::vector<uint64_t> delivered;
    std::vector<size_t> retried; // indices into events
    std::map<std::pair<std::string, std::string>, std::vector<size_t>> letters; // (category, reason) -> indices
    int64_t now = wallMicroseconds();
    std::vector<double> latencies;
    latencies.reserve(events.size());
    std::unique_lock<std::mutex> lock(mutex); // eventErrors and the backoff
    for (size_t i = 0; i < events.size(); ++i) {
        uint64_t seq = events[i].seq;
        switch (outcome.verdict(i)) {
        case DeliveryOutcome::Verdict::Delivered:
            delivered.push_back(seq);
            service.eventErrors.erase(seq);
            if (events[i].event.ingressUs > 0)
                latencies.push_back(double(now - events[i].event.ingressUs) / 1e6);
            break;
        case DeliveryOutcome::Verdict::Retry:
            if (outcome.blamed(i) && service.settings.maxEventErrors > 0
                && ++service.eventErrors[seq] >= service.settings.maxEventErrors) {
                service.eventErrors.erase(seq);
                letters[{"error", outcome.reason(i) + " (reported as error " + std::to_string(service.settings.maxEventErrors)
                    + " times)"}].push_back(i);
            } else {
                retried.push_back(i);
            }
            break;
        case DeliveryOutcome::Verdict::DeadLetter:
            service.eventErrors.erase(seq);
            letters[{outcome.category(i), outcome.reason(i)}].push_back(i);
            break;
        }
    }
    metrics.add(ACCEPTED, labels, static_cast<double>(delivered.size()));
    if (!latencies.empty())
        metrics.observe(LATENCY, {{"event_service_name", name}}, latencies);

    // The backoff is settled before the events return to the queue, so no other worker resends
    // them ahead of the delay.
    if (!retried.empty()) {
        bool wasFailing = service.backoff.failing();
        auto delay = service.backoff.failure(Backoff::Clock::now());
        metrics.set(BACKOFF, {{"event_service_name", name}}, double(delay.count()) / 1000);
        if (!wasFailing)
            log.warning("event service %s failing (%s); retrying %z events with backoff", name,
                outcome.summary(), retried.size());
    } else if (service.backoff.failing()) {
        service.backoff.success();
        metrics.set(BACKOFF, {{"event_service_name", name}}, 0);
        log.information("event service %s recovered", name);
    }
    lock.unlock();
    // The events go back to the store in groups (the retried ones, then each kind of dead
    // letter), each moved out of events right before its call. A store call that throws took
    // none of its group back (EventStore), so then events is made to hold exactly what was not
    // handed back, for run() to release; everything that could allocate is done up front.
    std::vector<const std::vector<size_t>*> indices{&retried}; // per group: its indices into events
    for (const auto& entry : letters)
        indices.push_back(&entry.second);
    std::vector<std::vector<StoredEvent>> groups(indices.size());
    size_t undelivered = 0;
    for (size_t g = 0; g < indices.size(); ++g) {
        groups[g].reserve(indices[g]->size());
        undelivered += indices[g]->size();
    }
    std::vector<StoredEvent> rest;
    rest.reserve(undelivered);
    auto handOut = [&](size_t g) -> std::vector<StoredEvent>& {
        for (size_t i : *indices[g])
            groups[g].push_back(std::move(events[i]));
        return groups[g];
    };

    store->ack(name, delivered);
    size_t current = 0;
    try {
        std::vector<StoredEvent>& retry = handOut(0);
        if (!retry.empty()) {
            metrics.add(RETRIES, {{"event_service_name", name}}, static_cast<double>(retry.size()));
            store->release(name, std::move(retry));
        }
        for (const auto& [key, group] : letters) {
            std::vector<StoredEvent>& handed = handOut(++current);
            size_t suppressed = 0;
            if (throttle.allow(name + "/" + key.first, suppressed))
                log.error("event service %s (%s): dead-lettering %z events: %s (%z similar lines suppressed)", name,
                    outcome.summary(), group.size(), key.second, suppressed);
            keepLetters(service, handed, key.first, key.second);
        }
    } catch (...) {
        // groups[current] is as it was handed (or holds letters the store took, whose seqs are
        // settled and ignored from now on); later groups are still in events.
        for (StoredEvent& stored : groups[current])
            rest.push_back(std::move(stored));
        for (size_t g = current + 1; g < indices.size(); ++g)
            for (size_t i : *indices[g])
                rest.push_back(std::move(events[i]));
        events.swap(rest);
        throw;
    }
}

void Dispatcher::Impl::keepLetters(Service& service, std::vector<StoredEvent>& letters, const std::string& category,
    const std::string& reason)
{
    const std::string& name = service.settings.name;
    const size_t count = letters.size();
    try {
        store->deadLetter(name, std::move(letters), reason);
    } catch (const std::exception& e) {
        // Not kept (e.g. the disk is full). Sent again they would be judged the same, so they
        // wait here, in flight, for the next attempt; nothing else waits for them.
        Service::UnkeptLetters unkept{std::move(letters), category, reason, 0};
        for (const StoredEvent& stored : unkept.events)
            unkept.bytes += EventStore::footprint(stored.event);
        inFlightBytes += unkept.bytes;
        size_t held = 0;
        std::chrono::milliseconds delay{};
        {
            std::lock_guard<std::mutex> lock(mutex);
            delay = service.letterBackoff.failure(Backoff::Clock::now());
            service.unkept.push_back(std::move(unkept));
            held = service.unkeptEvents();
            // Set under the lock: workers of one service would otherwise race a stale count in.
            metrics.set(UNWRITTEN, {{"event_service_name", name}}, static_cast<double>(held));
        }
        size_t suppressed = 0;
        if (throttle.allow(name + "/unkept", suppressed))
            log.error("event service %s: cannot keep %z dead letters (%z held), trying again in %s ms: %s "
                      "(%z similar lines suppressed)",
                name, count, held, std::to_string(delay.count()), std::string(e.what()), suppressed);
        return;
    }
    metrics.add(DEAD_LETTERED, {{"event_service_name", name}, {"reason", category}}, static_cast<double>(count));
    {
        std::lock_guard<std::mutex> lock(mutex);
        service.letterBackoff.success();
        metrics.set(UNWRITTEN, {{"event_service_name", name}}, static_cast<double>(service.unkeptEvents()));
    }
}

void Dispatcher::Impl::updateGauges(const std::string& service)
{
    StoreStats queue = store->stats(service);
    metrics.set(QUEUED, {{"event_service_name", service}}, double(queue.pending + queue.inFlight));
    metrics.set(HELD_BYTES, {}, double(store->heldBytes() + inFlightBytes.load()));
}

void Dispatcher::Impl::stop()
{
    {
        std::lock_guard<std::mutex> lock(mutex);
        stopping = true;
        for (auto& [name, service] : services)
            service->wake.notify_all();
    }
    for (auto& [name, service] : services)
        service->sender->abort();
    for (auto& [name, service] : services) {
        for (std::thread& worker : service->workers)
            worker.join();
        service->workers.clear();
        if (const size_t unkept = service->unkeptEvents())
            log.error("event service %s: %z dead letters could not be written before stopping (a durable spool "
                      "sends them again after the restart; the memory spool loses them)",
                name, unkept);
    }
}

Dispatcher::Dispatcher(const DispatchSettings& settings, MetricsRegistry& metrics)
    : Dispatcher(settings, metrics, nullptr)
{
}

Dispatcher::Dispatcher(const DispatchSettings& settings, MetricsRegistry& metrics, std::shared_ptr<EventStore> store)
    : _impl(std::make_unique<Impl>(settings, metrics, std::move(store)))
{
}

Dispatcher::~Dispatcher()
{
    _impl->stop();
}

void Dispatcher::start()
{
    std::lock_guard<std::mutex> lock(_impl->mutex);
    if (_impl->started || _impl->stopping)
        return;
    _impl->started = true;
    for (auto& [name, service] : _impl->services) {
        for (int i = 0; i < std::max(service->settings.connections, 1); ++i)
            service->workers.emplace_back([this, s = service.get()] { _impl->run(*s); });
    }
}

SubmitResult Dispatcher::submit(std::vector<Event>&& events)
{
    Impl& impl = *_impl;
    SubmitResult result;
    EventStore::Routed routed;
    routed.reserve(events.size());
    std::set<std::pair<std::string, int>> refused; // (service, type): one count per submission
    size_t cost = 0;
    int64_t now = wallMicroseconds();
    for (Event& event : events) {
        std::string service = impl.router.serviceFor(event.stream);
        if (service == StreamRouter::DISABLED_SERVICE) {
            ++result.disabled;
            refused.emplace(service, event.type);
            continue;
        }
        if (!impl.mask.allows(event.type)) {
            ++result.notEnqueueable;
            refused.emplace(service, event.type);
            continue;
        }
        if (event.ingressUs == 0)
            event.ingressUs = now;
        cost += EventStore::footprint(event);
        routed.emplace_back(std::move(service), std::move(event));
    }

    size_t accepted = routed.size();
    std::map<std::string, size_t> perService;
    for (const auto& r : routed)
        ++perService[r.first];
    auto refuse = [&impl] {
        impl.metrics.add(FULL, {});
        SubmitResult full;
        full.full = true;
        return full;
    };
    {
        // The budget is reserved under the lock and the append runs outside it, so appends from
        // several ingress threads reach the store together (one durable commit for all of them).
        std::lock_guard<std::mutex> lock(impl.submitMutex);
        bool closed;
        {
            std::lock_guard<std::mutex> state(impl.mutex);
            closed = impl.draining || impl.stopping;
        }
        bool overBudget = impl.store->heldBytes() + impl.inFlightBytes.load() + impl.reservedBytes + cost >
                          impl.settings.memoryBudgetBytes;
        if (closed || (accepted > 0 && overBudget))
            return refuse();
        impl.reservedBytes += cost;
    }
    bool appended = false;
    try {
        appended = accepted == 0 || impl.store->append(std::move(routed));
    } catch (...) {
        // The caller answers the failure (an ingress error); the reservation must not outlive it.
        std::lock_guard<std::mutex> lock(impl.submitMutex);
        impl.reservedBytes -= cost;
        throw;
    }
    {
        std::lock_guard<std::mutex> lock(impl.submitMutex);
        impl.reservedBytes -= cost;
    }
    if (!appended)
        return refuse();
    result.accepted = accepted;

    for (const auto& [service, type] : refused) {
        auto found = impl.services.find(service);
        std::string url = found == impl.services.end() ? service : found->second->settings.displayUrl();
        impl.metrics.add(NOT_ENQUEABLE, impl.base(service, url, type));
    }
    // A waiting worker needs a nudge only when it waits for an empty queue or a batch is full
    // (it sleeps until the linger runs out); otherwise its own timer serves, and every submission
    // waking every worker was a quarter of the daemon's time under UDP load.
    for (const auto& [name, count] : perService) {
        Impl::Service& service = *impl.services.at(name);
        StoreStats queue = impl.store->stats(name);
        const Batcher::Limits& limits = service.batcher.limits();
        bool full = queue.pending >= limits.maxEvents || queue.pendingBytes >= limits.maxBytes;
        std::lock_guard<std::mutex> lock(impl.mutex);
        if (full || service.idleWorkers > 0)
            service.wake.notify_one();
    }
    return result;
}

bool Dispatcher::drain(std::chrono::steady_clock::time_point deadline)
{
    Impl& impl = *_impl;
    {
        std::unique_lock<std::mutex> lock(impl.mutex);
        impl.draining = true;
        for (auto& [name, service] : impl.services)
            service->wake.notify_all();
        if (impl.started)
            impl.settled.wait_until(lock, deadline, [&impl] { return impl.store->size() == 0; });
    }
    impl.stop();
    return impl.store->size() == 0;
}

size_t Dispatcher::backlog() const
{
    return _impl->store->size();
}

std::string Dispatcher::resolveStream(const std::string& defaultName) const
{
    return _impl->router.resolveName(defaultName);
}

} // namespace eventbus
