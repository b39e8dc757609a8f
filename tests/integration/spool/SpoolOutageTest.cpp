// Acceptance 2: EventGate is down for a while (and the daemon restarts meanwhile): every
// acknowledged event waits in the spool, and when EventGate is back the backlog drains, nothing
// lost, in order per stream. One connection, so batches cannot overtake each other. And the
// contrast: spool.mode = memory keeps no file and forgets what was held at a restart.
#include "FakeEventGate.h"
#include "SpoolDaemon.h"

#include <Poco/File.h>
#include <cppunit/extensions/HelperMacros.h>

#include <map>

using namespace eventbus;
using namespace eventbus::test;

class SpoolOutageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SpoolOutageTest);
    CPPUNIT_TEST(testBacklogDrainsInOrderPerStreamAfterOutageAndRestart);
    CPPUNIT_TEST(testMemoryModeKeepsNoSpoolAndForgetsAtRestart);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBacklogDrainsInOrderPerStreamAfterOutageAndRestart()
    {
        FakeEventGate gate;
        gate.start();
        std::string url = gate.url();
        gate.stop();
        SpoolDaemon daemon(url, "service.eventgate.connections = 1\nservice.eventgate.max_batch_events = 100\n");
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());

        const int streams = 3, requests = 60, perRequest = 30;
        std::map<std::string, std::vector<std::string>> sent; // stream -> events in send order
        for (int r = 0; r < requests; ++r) {
            std::vector<std::string> lines;
            for (int i = 0; i < perRequest; ++i) {
                int n = r * perRequest + i;
                std::string stream = "test.outage" + std::to_string(n % streams);
                lines.push_back(SpoolDaemon::event(stream, stream + "-" + std::to_string(n)));
                sent[stream].push_back(lines.back());
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.lastLog(), 201, daemon.post(lines));
        }
        // Still down: a SIGTERM drains until its deadline and leaves the rest stored.
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        CPPUNIT_ASSERT(daemon.process().waitForLog("replaying", std::chrono::seconds(5)));
        CPPUNIT_ASSERT(gate.events().empty());

        gate.start();
        const size_t total = size_t(requests * perRequest);
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(),
            gate.waitForEvents(total, std::chrono::steady_clock::now() + std::chrono::seconds(60)));

        std::map<std::string, size_t> firstArrival;
        std::vector<std::string> arrived = gate.events();
        for (size_t i = 0; i < arrived.size(); ++i)
            firstArrival.emplace(arrived[i], i);
        for (const auto& [stream, events] : sent) {
            size_t previous = 0;
            for (size_t i = 0; i < events.size(); ++i) {
                auto found = firstArrival.find(events[i]);
                CPPUNIT_ASSERT_MESSAGE("lost: " + events[i], found != firstArrival.end());
                CPPUNIT_ASSERT_MESSAGE("out of order in " + stream + ": " + events[i], i == 0 || found->second > previous);
                previous = found->second;
            }
        }
        CPPUNIT_ASSERT_EQUAL(total, firstArrival.size());
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }

    void testMemoryModeKeepsNoSpoolAndForgetsAtRestart()
    {
        FakeEventGate gate;
        gate.start();
        std::string url = gate.url();
        gate.stop();
        SpoolDaemon daemon(url, "spool.mode = memory\nservice.eventgate.connections = 1\n");
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        CPPUNIT_ASSERT_EQUAL(201, daemon.post({SpoolDaemon::event("test.memory", "forgotten")}));
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
        CPPUNIT_ASSERT(!Poco::File(daemon.spoolDir()).exists());

        gate.start();
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        std::string fresh = SpoolDaemon::event("test.memory", "fresh");
        CPPUNIT_ASSERT_EQUAL(201, daemon.post({fresh}));
        CPPUNIT_ASSERT(gate.waitForEvents(1, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(size_t(1), gate.events().size());
        CPPUNIT_ASSERT_EQUAL(fresh, gate.events().front());
        CPPUNIT_ASSERT(!Poco::File(daemon.spoolDir()).exists());
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpoolOutageTest);
