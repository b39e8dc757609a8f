// Acceptance 3: with EventGate down the spool reaches its disk budget (spool.max_bytes); HTTP
// ingress then answers 503 with Retry-After, the daemon keeps running, and once EventGate takes
// the backlog the space frees and ingress answers 201 again. Nothing acknowledged is lost.
#include "FakeEventGate.h"
#include "SpoolDaemon.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

using namespace eventbus;
using namespace eventbus::test;

class SpoolDiskBudgetTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SpoolDiskBudgetTest);
    CPPUNIT_TEST(testFullSpoolAnswers503WithRetryAfterAndRecovers);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFullSpoolAnswers503WithRetryAfterAndRecovers()
    {
        FakeEventGate gate;
        gate.start();
        std::string url = gate.url();
        gate.stop();
        SpoolDaemon daemon(url, "spool.max_bytes = 65536\n");
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());

        std::vector<std::string> acked;
        std::vector<std::pair<std::string, std::string>> headers;
        int status = 0;
        for (int r = 0; r < 100 && status != 503; ++r) {
            std::vector<std::string> lines;
            for (int i = 0; i < 5; ++i)
                lines.push_back(SpoolDaemon::event("test.budget", "b" + std::to_string(r * 5 + i), 1000));
            headers.clear();
            status = daemon.post(lines, &headers);
            if (status == 201)
                acked.insert(acked.end(), lines.begin(), lines.end());
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.lastLog(), 503, status);
        // 64 KiB hold about 60 events of 1 KB; the budget is not memory's.
        CPPUNIT_ASSERT(acked.size() >= 40 && acked.size() <= 65);
        std::string retryAfter;
        for (const auto& [name, value] : headers)
            if (name == "Retry-After")
                retryAfter = value;
        CPPUNIT_ASSERT_MESSAGE("no Retry-After", !retryAfter.empty() && std::stoi(retryAfter) >= 1);
        CPPUNIT_ASSERT(daemon.metric("eventbus_spool_full_total{event_service_name=\"eventgate\"}") >= 1);
        CPPUNIT_ASSERT(daemon.process().running());

        gate.start();
        std::vector<std::string> later = {SpoolDaemon::event("test.budget", "after", 1000)};
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), waitUntil([&] { return daemon.post(later) == 201; }, std::chrono::seconds(30)));
        acked.push_back(later.front());
        CPPUNIT_ASSERT(gate.waitForEvents(acked.size(), std::chrono::steady_clock::now() + std::chrono::seconds(30)));
        std::set<std::string> arrived;
        for (const std::string& e : gate.events())
            arrived.insert(e);
        for (const std::string& e : acked)
            CPPUNIT_ASSERT_MESSAGE("lost: " + e.substr(0, 80), arrived.count(e));
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpoolDiskBudgetTest);
