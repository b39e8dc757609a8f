// Delivery outcomes end to end against FakeEventGate: every event ends delivered, dead-lettered
// with its reason, or retried until delivered, and the metrics count exactly that.
#include "DispatchFixture.h"
#include "Dispatcher.h"
#include "FakeEventGate.h"
#include "HttpSender.h"
#include "Batcher.h"
#include "MemoryStore.h"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <fstream>

using namespace eventbus;
using eventbus::test::DispatchFixture;
using eventbus::test::FakeEventGate;

namespace {

const std::string OUTGOING = "mediawiki_EventBus_events_outgoing_total";
const std::string OUTGOING_BY_STREAM = "mediawiki_EventBus_events_outgoing_by_stream_total";
const std::string ACCEPTED = "mediawiki_EventBus_events_accepted_total";
const std::string RESPONSES = "mediawiki_EventBus_event_service_response_total";
const std::string FAILED = "mediawiki_EventBus_events_failed_total";
const std::string FAILED_BY_STREAM = "mediawiki_EventBus_events_failed_by_stream_total";
const std::string NOT_ENQUEABLE = "mediawiki_EventBus_event_batch_not_enqueable_total";
const std::string PARTITIONED = "mediawiki_EventBus_event_batch_partitioned_total";
const std::string DEAD_LETTERED = "eventbus_events_dead_lettered_total";
const std::string RETRIES = "eventbus_delivery_retries_total";
const std::string LATENCY = "eventbus_delivery_latency_seconds";

FakeEventGate::Judgement verdict(FakeEventGate::Kind kind, const std::string& message = {})
{
    return FakeEventGate::Judgement{kind, message};
}

/// EventGate judging the event with this id as kind (with message), every other one a success.
FakeEventGate::Responder failingOnly(const std::string& id, FakeEventGate::Kind kind, const std::string& message)
{
    return FakeEventGate::judged([id, kind, message](const FakeEventGate::Request& r, size_t i) {
        return r.ids[i] == id ? verdict(kind, message) : verdict(FakeEventGate::Kind::Success);
    });
}

/// A MemoryStore whose first release / deadLetter calls fail before taking anything back, as a
/// store whose allocation or disk fails would.
class FailingStore : public EventStore {
public:
    explicit FailingStore(const std::string& deadLetters) : _store(deadLetters) {}
    std::atomic<int> failReleases{0};
    std::atomic<int> failDeadLetters{0};

    bool append(Routed&& events) override { return _store.append(std::move(events)); }
    std::vector<StoredEvent> take(const std::string& service, const Accept& accept) override
    {
        return _store.take(service, accept);
    }
    void ack(const std::string& service, const std::vector<uint64_t>& seqs) override { _store.ack(service, seqs); }
    void release(const std::string& service, std::vector<StoredEvent>&& events) override
    {
        if (failReleases > 0 && failReleases-- > 0)
            throw std::runtime_error("release failed");
        _store.release(service, std::move(events));
    }
    void deadLetter(const std::string& service, std::vector<StoredEvent>&& events, const std::string& reason) override
    {
        if (failDeadLetters > 0 && failDeadLetters-- > 0)
            throw std::runtime_error("dead letter failed");
        _store.deadLetter(service, std::move(events), reason);
    }
    StoreStats stats(const std::string& service) const override { return _store.stats(service); }
    size_t size() const override { return _store.size(); }
    size_t heldBytes() const override { return _store.heldBytes(); }

private:
    MemoryStore _store;
};

} // namespace

class DispatcherOutcomeTest : public CppUnit::TestFixture, DispatchFixture {
    CPPUNIT_TEST_SUITE(DispatcherOutcomeTest);
    CPPUNIT_TEST(testCreated);
    CPPUNIT_TEST(testHasty);
    CPPUNIT_TEST(testMultiStatusInvalidAndError);
    CPPUNIT_TEST(testEventReportedAsErrorAgainAndAgainIsDeadLettered);
    CPPUNIT_TEST(testBadRequestWithBody);
    CPPUNIT_TEST(testBadRequestWithoutBody);
    CPPUNIT_TEST(testServerErrorPerEventShape);
    CPPUNIT_TEST(testServerErrorProblemShape);
    CPPUNIT_TEST(testHungRequest);
    CPPUNIT_TEST(testDrainDeadlineAbortsAHungRequest);
    CPPUNIT_TEST(testRefusedConnection);
    CPPUNIT_TEST(testServerClosesIdleKeepAliveConnections);
    CPPUNIT_TEST(testStaleConnectionIsRetriedOnAFreshOne);
    CPPUNIT_TEST(testOversizedEventIsDeadLettered);
    CPPUNIT_TEST(testStoreFailingToTakeRetriesBack);
    CPPUNIT_TEST(testStoreFailingToKeepDeadLetters);
    CPPUNIT_TEST(testDeadLettersWaitForAWritableFile);
    CPPUNIT_TEST(testMaskAndDisabledStreams);
    CPPUNIT_TEST(testMemoryBudget);
    CPPUNIT_TEST(testClientIpForwarding);
    CPPUNIT_TEST(testFileTarget);
    CPPUNIT_TEST(testDrain);
    CPPUNIT_TEST(testBadConfiguration);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        _gate = std::make_unique<FakeEventGate>();
        _gate->start();
        _deadLetters = temporaryPath();
    }

    void tearDown() override
    {
        _dispatcher.reset();
        _gate.reset();
        if (Poco::File(_deadLetters).exists())
            Poco::File(_deadLetters).remove();
    }

    void testCreated()
    {
        start(service());
        submit(events("a", 5));
        CPPUNIT_ASSERT(_gate->waitForEvents(5, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(size_t(1), _gate->requests().size());
        FakeEventGate::Request request = _gate->requests().front();
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), request.method);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/events"), request.uri);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), request.header("content-type"));
        CPPUNIT_ASSERT_EQUAL(std::string(), request.header("accept-encoding"));
        CPPUNIT_ASSERT_EQUAL(std::string(), request.header("x-client-ip"));
        std::vector<Event> sent = events("a", 5);
        CPPUNIT_ASSERT_EQUAL(joined(sent), request.body);
        CPPUNIT_ASSERT_EQUAL(5.0, _metrics.value(OUTGOING, base()));
        CPPUNIT_ASSERT_EQUAL(5.0, _metrics.value(OUTGOING_BY_STREAM, with(base(), {{"stream_name", "test.event"}})));
        CPPUNIT_ASSERT_EQUAL(5.0, _metrics.value(ACCEPTED, base()));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "201"}})));
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.sum(FAILED));
        CPPUNIT_ASSERT_EQUAL(5.0, _metrics.value(LATENCY, {{"event_service_name", "eventgate"}}));
        std::string text = _metrics.render();
        CPPUNIT_ASSERT(text.find("mediawiki_EventBus_events_accepted_total{function_name=\"send\",event_type=\"TYPE_EVENT\","
                                 "event_service_name=\"eventgate\",event_service_uri=\"" + _gate->url() + "\"} 5\n")
            != std::string::npos);
    }

    void testHasty()
    {
        ServiceSettings s = service();
        s.hasty = true;
        _gate->setDefault(FakeEventGate::hasty());
        start(s);
        submit(events("h", 3));
        CPPUNIT_ASSERT(_gate->waitForEvents(3, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/events?hasty=true"), _gate->requests().front().uri);
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "202"}})));
        CPPUNIT_ASSERT_EQUAL(3.0, _metrics.value(ACCEPTED, base()));
    }

    void testMultiStatusInvalidAndError()
    {
        _gate->script({FakeEventGate::judged([](const FakeEventGate::Request& r, size_t i) {
            if (r.ids[i] == "m1")
                return verdict(FakeEventGate::Kind::Invalid, "'.meta' should have required property 'dt'");
            if (r.ids[i] == "m2")
                return verdict(FakeEventGate::Kind::Error, "Failed loading schema at /test/event/9.9.9");
            return verdict(FakeEventGate::Kind::Success);
        })});
        start(service());
        submit(events("m", 4));
        CPPUNIT_ASSERT(_gate->waitForEvents(3, deadline()));
        waitForBacklog(0);
        std::vector<std::string> delivered = _gate->events();
        CPPUNIT_ASSERT_EQUAL(size_t(3), delivered.size());
        CPPUNIT_ASSERT(delivered[2].find("\"id\":\"m2\"") != std::string::npos); // the retried one
        std::vector<FakeEventGate::Request> requests = _gate->requests();
        CPPUNIT_ASSERT_EQUAL(size_t(2), requests.size());
        CPPUNIT_ASSERT_EQUAL(207, requests[0].status);
        CPPUNIT_ASSERT_EQUAL(std::vector<std::string>{"m2"}, requests[1].ids);

        std::vector<std::string> letters = lines(_deadLetters);
        CPPUNIT_ASSERT_EQUAL(size_t(1), letters.size());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"reason":"'.meta' should have required property 'dt'","service":"eventgate",)"
                                         R"("stream":"test.event","event":)") + event("m1").json + "}",
            letters[0]);

        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(FAILED, with(base(), {{"failure_kind", "invalid"}, {"status_code", "207"}})));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(FAILED, with(base(), {{"failure_kind", "error"}, {"status_code", "207"}})));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(FAILED_BY_STREAM,
            with(base(), {{"failure_kind", "error"}, {"status_code", "207"}, {"stream_name", "test.event"}})));
        CPPUNIT_ASSERT_EQUAL(3.0, _metrics.value(ACCEPTED, base()));
        CPPUNIT_ASSERT_EQUAL(5.0, _metrics.value(OUTGOING, base()));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(RETRIES, {{"event_service_name", "eventgate"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, deadLettered("invalid", 1.0));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "207"}})));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "201"}})));
    }

    void testEventReportedAsErrorAgainAndAgainIsDeadLettered()
    {
        _gate->setDefault(failingOnly("z0", FakeEventGate::Kind::Error, "Failed loading schema at /test/event/9.9.9"));
        ServiceSettings s = service();
        s.connections = 1;
        s.maxBatchEvents = 2;
        s.maxEventErrors = 3;
        _url = s.url;
        _dispatcher = std::make_unique<Dispatcher>(DispatchFixture::settings(s, _deadLetters), _metrics);
        std::vector<Event> list{event("z0")};
        for (Event& e : events("a", 4))
            list.push_back(e);
        submit(std::move(list)); // before start: the batches are [z0 a0] [z0 a1] [z0 a2] [a3]
        _dispatcher->start();
        CPPUNIT_ASSERT(_gate->waitForEvents(4, deadline()));
        waitForBacklog(0);
        std::vector<FakeEventGate::Request> requests = _gate->requests();
        CPPUNIT_ASSERT_EQUAL(size_t(4), requests.size());
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"z0", "a2"}), requests[2].ids);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"a3"}), requests[3].ids);
        std::vector<std::string> letters = lines(_deadLetters);
        CPPUNIT_ASSERT_EQUAL(size_t(1), letters.size());
        CPPUNIT_ASSERT(letters[0].find(R"x({"reason":"Failed loading schema at /test/event/9.9.9 (reported as error 3 times)")x") == 0);
        CPPUNIT_ASSERT_EQUAL(1.0, deadLettered("error", 1.0));
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(RETRIES, {{"event_service_name", "eventgate"}}));
        CPPUNIT_ASSERT_EQUAL(3.0, _metrics.value(FAILED, with(base(), {{"failure_kind", "error"}, {"status_code", "207"}})));
        CPPUNIT_ASSERT_EQUAL(4.0, _metrics.value(ACCEPTED, base()));
    }

    void testBadRequestWithBody()
    {
        _gate->script({FakeEventGate::judged([](const FakeEventGate::Request& r, size_t) {
            return verdict(FakeEventGate::Kind::Invalid, "'.tags' should be array (" + r.ids[0] + ")");
        })});
        start(service());
        submit(events("i", 2));
        CPPUNIT_ASSERT(waitUntil([&] { return lines(_deadLetters).size() == 2; }, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(size_t(1), _gate->requests().size()); // never retried
        CPPUNIT_ASSERT_EQUAL(400, _gate->requests()[0].status);
        CPPUNIT_ASSERT(lines(_deadLetters)[1].find(R"x({"reason":"'.tags' should be array (i0)")x") == 0);
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(FAILED, with(base(), {{"failure_kind", "invalid"}, {"status_code", "400"}})));
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.value(ACCEPTED, base()));
        CPPUNIT_ASSERT_EQUAL(2.0, deadLettered("invalid", 2.0));
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.sum(RETRIES));
    }

    void testBadRequestWithoutBody()
    {
        _gate->script({FakeEventGate::emptyBadRequest()});
        start(service());
        submit(events("e", 3));
        CPPUNIT_ASSERT(waitUntil([&] { return lines(_deadLetters).size() == 3; }, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(size_t(1), _gate->requests().size());
        CPPUNIT_ASSERT(lines(_deadLetters)[0].find(R"({"reason":"400: Request body was empty. Must provide JSON encoded events.")") == 0);
        CPPUNIT_ASSERT_EQUAL(3.0, deadLettered("rejected", 3.0));
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.sum(FAILED));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "400"}})));
    }

    void testServerErrorPerEventShape()
    {
        _gate->script({FakeEventGate::judged([](const FakeEventGate::Request& r, size_t i) {
            return r.ids[i] == "p0" ? verdict(FakeEventGate::Kind::Invalid, "should match format \"date-time\"")
                                    : verdict(FakeEventGate::Kind::Error, "kafka down");
        })});
        start(service());
        submit(events("p", 3));
        CPPUNIT_ASSERT(_gate->waitForEvents(2, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(500, _gate->requests()[0].status);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"p1", "p2"}), _gate->requests()[1].ids);
        CPPUNIT_ASSERT_EQUAL(size_t(1), lines(_deadLetters).size());
        CPPUNIT_ASSERT(lines(_deadLetters)[0].find(R"("reason":"should match format \"date-time\"")") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(FAILED, with(base(), {{"failure_kind", "invalid"}, {"status_code", "500"}})));
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(FAILED, with(base(), {{"failure_kind", "error"}, {"status_code", "500"}})));
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(RETRIES, {{"event_service_name", "eventgate"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(ACCEPTED, base()));
    }

    void testServerErrorProblemShape()
    {
        _gate->script({FakeEventGate::problem()});
        start(service());
        submit(events("q", 2));
        CPPUNIT_ASSERT(_gate->waitForEvents(2, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(size_t(2), _gate->requests().size());
        CPPUNIT_ASSERT_EQUAL(500, _gate->requests()[0].status);
        CPPUNIT_ASSERT_EQUAL(size_t(0), lines(_deadLetters).size());
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.sum(FAILED)); // a problem object lists no events
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(RETRIES, {{"event_service_name", "eventgate"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(ACCEPTED, base()));
        CPPUNIT_ASSERT_EQUAL(4.0, _metrics.value(OUTGOING, base()));
    }

    void testHungRequest()
    {
        ServiceSettings s = service();
        s.timeoutSeconds = 1; // long enough that only the hung request times out on a loaded machine
        _gate->script({FakeEventGate::hang()});
        start(s);
        submit(events("t", 2));
        CPPUNIT_ASSERT(_gate->waitForEvents(2, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "0"}})));
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(RETRIES, {{"event_service_name", "eventgate"}}));
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(ACCEPTED, base()));
        CPPUNIT_ASSERT_EQUAL(size_t(0), lines(_deadLetters).size());
    }

    void testDrainDeadlineAbortsAHungRequest()
    {
        ServiceSettings s = service();
        s.timeoutSeconds = 30;
        _gate->setDefault(FakeEventGate::hang());
        start(s);
        submit(events("w", 2));
        CPPUNIT_ASSERT(_gate->waitForRequests(1, deadline()));
        auto begin = Clock::now();
        CPPUNIT_ASSERT(!_dispatcher->drain(Clock::now() + std::chrono::milliseconds(100)));
        CPPUNIT_ASSERT(Clock::now() - begin < std::chrono::seconds(5));
        CPPUNIT_ASSERT_EQUAL(size_t(2), _dispatcher->backlog()); // back in the store, not lost
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.sum(ACCEPTED));
    }

    void testRefusedConnection()
    {
        _gate->stop();
        start(service());
        submit(events("r", 3));
        CPPUNIT_ASSERT(waitUntil([&] { return _metrics.value(RETRIES, {{"event_service_name", "eventgate"}}) >= 6; }, deadline()));
        CPPUNIT_ASSERT_EQUAL(size_t(3), _dispatcher->backlog());
        _gate->start();
        CPPUNIT_ASSERT(_gate->waitForEvents(3, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(size_t(1), _gate->requests().size());
        double refused = _metrics.value(RESPONSES, with(base(), {{"status_code", "0"}}));
        CPPUNIT_ASSERT(refused >= 2);
        CPPUNIT_ASSERT_EQUAL(refused * 3, _metrics.value(RETRIES, {{"event_service_name", "eventgate"}}));
        CPPUNIT_ASSERT_EQUAL(3.0, _metrics.value(ACCEPTED, base()));
    }

    void testServerClosesIdleKeepAliveConnections()
    {
        FakeEventGate::Options options;
        options.idleTimeout = std::chrono::milliseconds(200);
        _gate = std::make_unique<FakeEventGate>(options);
        _gate->start();
        ServiceSettings s = service();
        s.connections = 1;
        start(s);
        for (int round = 0; round < 3; ++round) {
            submit(events("k" + std::to_string(round) + "-", 2));
            CPPUNIT_ASSERT(_gate->waitForEvents(2 * (round + 1), deadline()));
            // The server drops the pooled connection; the next batch must not lose a beat.
            CPPUNIT_ASSERT(waitUntil([&] { return _gate->openConnections() == 0; }, deadline()));
        }
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(size_t(3), _gate->requests().size());
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.sum(RETRIES));
        CPPUNIT_ASSERT_EQUAL(3.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "201"}})));
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.value(RESPONSES, with(base(), {{"status_code", "0"}})));
    }

    void testStaleConnectionIsRetriedOnAFreshOne()
    {
        FakeEventGate::Options options;
        options.idleTimeout = std::chrono::milliseconds(100);
        _gate = std::make_unique<FakeEventGate>(options);
        _gate->start();
        HttpSender sender(service());
        std::vector<StoredEvent> batch{StoredEvent{1, "eventgate", event("s0"), 0}};
        std::string body = eventbus::Batcher::join(batch);
        CPPUNIT_ASSERT_EQUAL(201, sender.send(batch, body, "").status);
        CPPUNIT_ASSERT(waitUntil([&] { return _gate->openConnections() == 0; }, deadline()));
        SendResponse response = sender.send(batch, body, "");
        CPPUNIT_ASSERT_EQUAL(201, response.status);
        CPPUNIT_ASSERT_EQUAL(std::string("All 1 out of 1 events were accepted."), response.reason);
        CPPUNIT_ASSERT_EQUAL(std::string(), response.body);
        CPPUNIT_ASSERT_EQUAL(size_t(1), sender.staleRetries());
        CPPUNIT_ASSERT_EQUAL(size_t(2), _gate->requests().size());
        // A fresh connection that fails is not retried: that is an outage, not a stale socket.
        _gate->stop();
        response = sender.send(batch, body, "");
        CPPUNIT_ASSERT_EQUAL(0, response.status);
        CPPUNIT_ASSERT(response.failure != SendResponse::Failure::None);
    }

    void testOversizedEventIsDeadLettered()
    {
        ServiceSettings s = service();
        s.maxBatchBytes = 300;
        start(s);
        Event big = event("big");
        big.json.insert(big.json.size() - 1, ",\"pad\":\"" + std::string(1200, 'x') + "\"");
        submit({event("o0"), big, event("o1")});
        CPPUNIT_ASSERT(_gate->waitForEvents(2, deadline()));
        waitForBacklog(0);
        for (const FakeEventGate::Request& request : _gate->requests())
            CPPUNIT_ASSERT(request.body.size() <= 300);
        std::vector<std::string> letters = lines(_deadLetters);
        CPPUNIT_ASSERT_EQUAL(size_t(1), letters.size());
        CPPUNIT_ASSERT(letters[0].find("bytes is larger than the max batch size of 300 bytes") != std::string::npos);
        CPPUNIT_ASSERT(letters[0].find(big.json) != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(1.0, deadLettered("oversized", 1.0));
        CPPUNIT_ASSERT(_metrics.value(PARTITIONED, base()) >= 1);
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(ACCEPTED, base()));
    }

    void testStoreFailingToTakeRetriesBack()
    {
        // The dispatcher holds taken events alone: when the store cannot take retried ones back,
        // they must still come back whole (not as emptied shells) and be delivered once.
        _gate->script({FakeEventGate::problem()});
        ServiceSettings s = service();
        s.connections = 1;
        auto store = std::make_shared<FailingStore>(_deadLetters);
        store->failReleases = 1;
        _url = s.url;
        _dispatcher = std::make_unique<Dispatcher>(DispatchFixture::settings(s, _deadLetters), _metrics, store);
        submit(events("r", 3));
        _dispatcher->start();
        CPPUNIT_ASSERT(_gate->waitForEvents(3, deadline()));
        waitForBacklog(0);
        std::vector<FakeEventGate::Request> requests = _gate->requests();
        CPPUNIT_ASSERT_EQUAL(size_t(2), requests.size());
        CPPUNIT_ASSERT_EQUAL(500, requests[0].status);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"r0", "r1", "r2"}), requests[1].ids);
        CPPUNIT_ASSERT_EQUAL(201, requests[1].status);
        CPPUNIT_ASSERT_EQUAL(0, store->failReleases.load());
        CPPUNIT_ASSERT_EQUAL(size_t(0), store->size());
    }

    void testStoreFailingToKeepDeadLetters()
    {
        // Letters the store could not keep wait for the next attempt; they are not sent again.
        _gate->setDefault(failingOnly("d0", FakeEventGate::Kind::Invalid, "'.meta.dt' is missing"));
        ServiceSettings s = service();
        s.connections = 1;
        auto store = std::make_shared<FailingStore>(_deadLetters);
        store->failDeadLetters = 1;
        _url = s.url;
        _dispatcher = std::make_unique<Dispatcher>(DispatchFixture::settings(s, _deadLetters), _metrics, store);
        submit(events("d", 2));
        _dispatcher->start();
        CPPUNIT_ASSERT(waitUntil([&] { return lines(_deadLetters).size() == 1; }, deadline()));
        waitForBacklog(0);
        std::vector<FakeEventGate::Request> requests = _gate->requests();
        CPPUNIT_ASSERT_EQUAL(size_t(1), requests.size());
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"d0", "d1"}), requests[0].ids);
        CPPUNIT_ASSERT(lines(_deadLetters)[0].find(event("d0").json) != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, store->failDeadLetters.load());
        CPPUNIT_ASSERT_EQUAL(size_t(0), store->size());
        CPPUNIT_ASSERT_EQUAL(1.0, deadLettered("invalid", 1.0));
    }

    void testDeadLettersWaitForAWritableFile()
    {
        // The dead letter file cannot be written (its folder is a file, as good as a full disk):
        // the invalid event is held, in flight, and tried again with backoff, never lost and never
        // sent again, while the service goes on delivering; it is kept once the file can be written.
        _gate->setDefault(failingOnly("w0", FakeEventGate::Kind::Invalid, "'.meta.dt' is missing"));
        const std::string blocker = temporaryPath();
        std::ofstream(blocker) << "not a folder";
        const std::string letters = blocker + "/dead-letters.jsonl";
        ServiceSettings s = service();
        s.connections = 1;
        s.backoffBaseMs = 20;
        s.backoffMaxMs = 40;
        _url = s.url;
        _dispatcher = std::make_unique<Dispatcher>(DispatchFixture::settings(s, letters), _metrics);
        const Labels unwritten{{"event_service_name", "eventgate"}};
        const std::string UNWRITTEN = "eventbus_dead_letters_unwritten";
        submit(events("w", 1));
        _dispatcher->start();
        CPPUNIT_ASSERT(waitUntil([&] { return _metrics.value(UNWRITTEN, unwritten) == 1.0; }, deadline()));
        submit(events("v", 3)); // delivered meanwhile, without waiting for the letter
        CPPUNIT_ASSERT(_gate->waitForEvents(3, deadline()));
        CPPUNIT_ASSERT(waitUntil([&] { return _dispatcher->backlog() == 1; }, deadline()));
        std::vector<FakeEventGate::Request> requests = _gate->requests();
        CPPUNIT_ASSERT_EQUAL(size_t(2), requests.size()); // w0 was sent once
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"v0", "v1", "v2"}), requests[1].ids);
        CPPUNIT_ASSERT_EQUAL(0.0, _metrics.sum(DEAD_LETTERED));
        Poco::File(blocker).remove();
        waitForBacklog(0);
        // The gauges follow the store by a moment (the letter leaves the backlog when it is kept).
        CPPUNIT_ASSERT(waitUntil([&] { return _metrics.value(UNWRITTEN, unwritten) == 0.0; }, deadline()));
        std::vector<std::string> kept = lines(letters);
        Poco::File(blocker).remove(true);
        CPPUNIT_ASSERT_EQUAL(size_t(1), kept.size());
        CPPUNIT_ASSERT(kept[0].find(event("w0").json) != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(1.0, deadLettered("invalid", 1.0));
        CPPUNIT_ASSERT_EQUAL(size_t(2), _gate->requests().size());
    }

    void testMaskAndDisabledStreams()
    {
        DispatchSettings settings = DispatchFixture::settings(service(), _deadLetters);
        settings.enable = "TYPE_JOB|TYPE_PURGE";
        settings.streamConfig = true;
        StreamSettings declared;
        declared.name = "/^test\\./";
        StreamSettings disabled;
        disabled.name = "test.disabled";
        disabled.enabled = false;
        settings.streams = {disabled, declared};
        _url = _gate->url();
        _dispatcher = std::make_unique<Dispatcher>(settings, _metrics);
        _dispatcher->start();
        std::vector<Event> batch{event("j0", "test.job", 2), event("x0", "test.event", 1), event("d0", "test.disabled", 2),
            event("u0", "undeclared", 4), event("j1", "test.job", 2)};
        SubmitResult result = _dispatcher->submit(std::move(batch));
        CPPUNIT_ASSERT_EQUAL(size_t(2), result.accepted);
        CPPUNIT_ASSERT_EQUAL(size_t(1), result.notEnqueueable);
        CPPUNIT_ASSERT_EQUAL(size_t(2), result.disabled);
        CPPUNIT_ASSERT(!result.full);
        CPPUNIT_ASSERT(_gate->waitForEvents(2, deadline()));
        Labels disabledJob{{"function_name", "send"}, {"event_type", "TYPE_JOB"},
            {"event_service_name", "_disabled_eventbus_"}, {"event_service_uri", "_disabled_eventbus_"}};
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(NOT_ENQUEABLE, disabledJob));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value(NOT_ENQUEABLE, base()));
        CPPUNIT_ASSERT_EQUAL(3.0, _metrics.sum(NOT_ENQUEABLE));
        Labels jobs = base();
        jobs[1].second = "TYPE_JOB";
        waitForBacklog(0);
        CPPUNIT_ASSERT_EQUAL(2.0, _metrics.value(ACCEPTED, jobs));
    }

    void testMemoryBudget()
    {
        DispatchSettings settings = DispatchFixture::settings(service(), _deadLetters);
        settings.memoryBudgetBytes = 4 * EventStore::footprint(event("b0"));
        _dispatcher = std::make_unique<Dispatcher>(settings, _metrics); // not started: nothing drains
        CPPUNIT_ASSERT_EQUAL(size_t(3), _dispatcher->submit(events("b", 3)).accepted);
        SubmitResult full = _dispatcher->submit(events("c", 2));
        CPPUNIT_ASSERT(full.full);
        CPPUNIT_ASSERT_EQUAL(size_t(0), full.accepted);
        CPPUNIT_ASSERT_EQUAL(size_t(3), _dispatcher->backlog()); // nothing of the refused set was taken
        CPPUNIT_ASSERT_EQUAL(size_t(1), _dispatcher->submit(events("d", 1)).accepted);
        CPPUNIT_ASSERT(_dispatcher->submit(events("e", 1)).full);
        _dispatcher->start();
        CPPUNIT_ASSERT(_gate->waitForEvents(4, deadline()));
        waitForBacklog(0);
        CPPUNIT_ASSERT(waitUntil([&] { return !_dispatcher->submit(events("f", 4)).full; }, deadline()));
    }

    void testClientIpForwarding()
    {
        ServiceSettings s = service();
        s.forwardClientIp = true;
        start(s);
        std::vector<Event> batch = events("c", 4);
        batch[0].clientIp = batch[1].clientIp = "198.51.100.7";
        batch[2].clientIp = "203.0.113.9";
        submit(std::move(batch));
        CPPUNIT_ASSERT(_gate->waitForEvents(4, deadline()));
        waitForBacklog(0);
        std::vector<FakeEventGate::Request> requests = _gate->requests();
        CPPUNIT_ASSERT_EQUAL(size_t(3), requests.size());
        std::map<std::string, std::vector<std::string>> byIp;
        for (const FakeEventGate::Request& request : requests)
            byIp[request.header("x-client-ip")] = request.ids;
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"c0", "c1"}), byIp["198.51.100.7"]);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"c2"}), byIp["203.0.113.9"]);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"c3"}), byIp[""]);
    }

    void testFileTarget()
    {
        std::string path = temporaryPath();
        start(service("file:" + path));
        submit(events("f", 3));
        waitForBacklog(0);
        std::vector<std::string> written = lines(path);
        Poco::File(path).remove();
        CPPUNIT_ASSERT_EQUAL(size_t(3), written.size());
        CPPUNIT_ASSERT_EQUAL(event("f2").json, written[2]);
        Labels labels = base();
        labels[3].second = "file:" + path;
        CPPUNIT_ASSERT_EQUAL(3.0, _metrics.value(ACCEPTED, labels));
    }

    void testDrain()
    {
        start(service());
        submit(events("n", 3));
        CPPUNIT_ASSERT(_dispatcher->drain(deadline()));
        CPPUNIT_ASSERT_EQUAL(size_t(3), _gate->events().size());
        CPPUNIT_ASSERT(_dispatcher->submit(events("late", 1)).full); // draining takes nothing new

        _gate->stop();
        start(service());
        submit(events("s", 2));
        auto begin = Clock::now();
        CPPUNIT_ASSERT(!_dispatcher->drain(Clock::now() + std::chrono::milliseconds(300)));
        CPPUNIT_ASSERT(Clock::now() - begin < std::chrono::seconds(3));
        CPPUNIT_ASSERT_EQUAL(size_t(2), _dispatcher->backlog()); // what is left stays in the store
    }

    void testBadConfiguration()
    {
        DispatchSettings settings = DispatchFixture::settings(service(), _deadLetters);
        settings.enable = "TYPE_EVENTS";
        CPPUNIT_ASSERT_THROW(Dispatcher(settings, _metrics), std::invalid_argument);
        settings = DispatchFixture::settings(service("ftp://example.org/"), _deadLetters);
        CPPUNIT_ASSERT_THROW(Dispatcher(settings, _metrics), std::invalid_argument);
        settings = DispatchFixture::settings(service(), _deadLetters);
        settings.defaultService = "nonexistent";
        CPPUNIT_ASSERT_THROW(Dispatcher(settings, _metrics), std::invalid_argument);

    }

private:
    std::unique_ptr<FakeEventGate> _gate;
    std::string _deadLetters;
    MetricsRegistry _metrics;
    std::unique_ptr<Dispatcher> _dispatcher;

    ServiceSettings service(const std::string& url = {})
    {
        return DispatchFixture::service("eventgate", url.empty() ? _gate->url() : url);
    }

    void start(const ServiceSettings& s)
    {
        _dispatcher.reset();
        _dispatcher = std::make_unique<Dispatcher>(DispatchFixture::settings(s, _deadLetters), _metrics);
        _dispatcher->start();
        _url = s.url;
    }

    void submit(std::vector<Event>&& list)
    {
        size_t n = list.size();
        SubmitResult result = _dispatcher->submit(std::move(list));
        CPPUNIT_ASSERT_EQUAL(n, result.accepted);
    }

    void waitForBacklog(size_t n)
    {
        CPPUNIT_ASSERT(waitUntil([&] { return _dispatcher->backlog() == n; }, deadline()));
    }

    /// The dead-letter count of a reason, once it is `expected` or the deadline passed: a letter
    /// leaves the backlog when the store keeps it, a moment before it is counted.
    double deadLettered(const std::string& reason, double expected)
    {
        const Labels labels{{"event_service_name", "eventgate"}, {"reason", reason}};
        waitUntil([&] { return _metrics.value(DEAD_LETTERED, labels) == expected; }, deadline());
        return _metrics.value(DEAD_LETTERED, labels);
    }

    Labels base() const
    {
        return {{"function_name", "send"}, {"event_type", "TYPE_EVENT"}, {"event_service_name", "eventgate"},
            {"event_service_uri", _url}};
    }

    static Labels with(Labels labels, const Labels& extra)
    {
        labels.insert(labels.end(), extra.begin(), extra.end());
        return labels;
    }

    static std::string joined(const std::vector<Event>& list)
    {
        std::string body = "[";
        for (size_t i = 0; i < list.size(); ++i)
            body += (i ? "," : "") + list[i].json;
        return body + "]";
    }

    std::string _url;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DispatcherOutcomeTest);
