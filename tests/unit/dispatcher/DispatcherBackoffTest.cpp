// Backoff per destination: capped exponential delays with full jitter, and two services with one
// down: the healthy one keeps delivering while the failing one gets one probe per backoff period.
#include "Backoff.h"
#include "DispatchFixture.h"
#include "Dispatcher.h"
#include "FakeEventGate.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace eventbus;
using eventbus::test::DispatchFixture;
using eventbus::test::FakeEventGate;
using std::chrono::milliseconds;

class DispatcherBackoffTest : public CppUnit::TestFixture, DispatchFixture {
    CPPUNIT_TEST_SUITE(DispatcherBackoffTest);
    CPPUNIT_TEST(testCappedExponentialDelays);
    CPPUNIT_TEST(testFullJitter);
    CPPUNIT_TEST(testOneServiceDownOtherKeepsFlowing);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCappedExponentialDelays()
    {
        Backoff backoff(milliseconds(20), milliseconds(100), [] { return 1.0; });
        auto now = Backoff::Clock::now();
        CPPUNIT_ASSERT(!backoff.failing());
        CPPUNIT_ASSERT(backoff.readyAt() <= now);
        std::vector<long long> delays;
        for (int i = 0; i < 6; ++i)
            delays.push_back(backoff.failure(now).count());
        CPPUNIT_ASSERT_EQUAL((std::vector<long long>{20, 40, 80, 100, 100, 100}), delays);
        CPPUNIT_ASSERT(backoff.failing());
        CPPUNIT_ASSERT(backoff.readyAt() == now + milliseconds(100));
        backoff.success();
        CPPUNIT_ASSERT(!backoff.failing());
        CPPUNIT_ASSERT_EQUAL(0LL, static_cast<long long>(backoff.currentDelay().count()));
        CPPUNIT_ASSERT_EQUAL(20LL, static_cast<long long>(backoff.failure(now).count()));
        for (int i = 0; i < 100; ++i)
            backoff.failure(now); // the exponent stops growing, the delay stays capped
        CPPUNIT_ASSERT_EQUAL(100LL, static_cast<long long>(backoff.currentDelay().count()));
    }

    void testFullJitter()
    {
        double jitter = 0.5;
        Backoff pinned(milliseconds(20), milliseconds(100), [&jitter] { return jitter; });
        auto now = Backoff::Clock::now();
        CPPUNIT_ASSERT_EQUAL(10LL, static_cast<long long>(pinned.failure(now).count()));
        jitter = 0;
        CPPUNIT_ASSERT_EQUAL(0LL, static_cast<long long>(pinned.failure(now).count()));

        Backoff random(milliseconds(20), milliseconds(100));
        long long low = 1000, high = -1;
        for (int i = 0; i < 200; ++i) {
            long long delay = random.failure(now).count();
            CPPUNIT_ASSERT(delay >= 0 && delay <= 100);
            if (i >= 3) { // capped from the fourth failure on
                low = std::min(low, delay);
                high = std::max(high, delay);
            }
        }
        CPPUNIT_ASSERT(low < 30);  // spread over the whole range, not clustered at the cap
        CPPUNIT_ASSERT(high > 70);
    }

    void testOneServiceDownOtherKeepsFlowing()
    {
        FakeEventGate up, down;
        up.start();
        down.start();
        down.setDefault(FakeEventGate::status(503, "Service Unavailable"));

        ServiceSettings healthy = service("healthy", up.url());
        ServiceSettings failing = service("failing", down.url());
        failing.backoffBaseMs = 20;
        failing.backoffMaxMs = 100;
        DispatchSettings settings = DispatchFixture::settings(healthy, "");
        settings.services.push_back(failing);
        settings.streamConfig = true;
        StreamSettings a;
        a.name = "stream.a";
        StreamSettings b;
        b.name = "stream.b";
        b.service = "failing";
        settings.streams = {a, b};

        MetricsRegistry metrics;
        Dispatcher dispatcher(settings, metrics);
        dispatcher.start();
        auto begin = Clock::now();
        size_t rounds = 0;
        while (Clock::now() - begin < milliseconds(1000)) {
            std::vector<Event> batch{event("a" + std::to_string(rounds), "stream.a"), event("b" + std::to_string(rounds), "stream.b")};
            CPPUNIT_ASSERT_EQUAL(size_t(2), dispatcher.submit(std::move(batch)).accepted);
            ++rounds;
            // The healthy service's events arrive while the other one fails.
            CPPUNIT_ASSERT(up.waitForEvents(rounds, deadline(2000)));
        }
        auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - begin);
        size_t probes = down.requests().size();
        CPPUNIT_ASSERT(probes >= 2);
        // Delays draw uniformly from [0, 100 ms] once capped (mean 50 ms), so about 20 probes fit
        // in a second; without backoff the failing service would get one request per submission.
        CPPUNIT_ASSERT_MESSAGE(std::to_string(probes) + " requests in " + std::to_string(elapsed.count()) + " ms",
            probes <= size_t(elapsed.count() / 25) + 4);
        CPPUNIT_ASSERT(probes < rounds);
        CPPUNIT_ASSERT(down.maxConcurrentRequests() <= 2);
        CPPUNIT_ASSERT(waitUntil([&] {
            return metrics.sum("mediawiki_EventBus_events_accepted_total", {{"event_service_name", "healthy"}}) == double(rounds);
        }, deadline()));
        CPPUNIT_ASSERT_EQUAL(0.0, metrics.sum("mediawiki_EventBus_events_accepted_total", {{"event_service_name", "failing"}}));
        // A probe is recorded by the gate before the dispatcher settles (and counts) its answer.
        CPPUNIT_ASSERT(waitUntil([&] {
            return metrics.value("eventbus_delivery_retries_total", {{"event_service_name", "failing"}}) >= 2;
        }, deadline()));

        // Once it recovers, the held events arrive and the backoff is over.
        down.setDefault(FakeEventGate::created());
        CPPUNIT_ASSERT(down.waitForEvents(rounds, deadline()));
        CPPUNIT_ASSERT(waitUntil([&] { return dispatcher.backlog() == 0; }, deadline()));
        CPPUNIT_ASSERT_EQUAL(0.0, metrics.value("eventbus_delivery_backoff_seconds", {{"event_service_name", "failing"}}));
        CPPUNIT_ASSERT_EQUAL(0.0, metrics.sum("eventbus_delivery_retries_total", {{"event_service_name", "healthy"}}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DispatcherBackoffTest);
