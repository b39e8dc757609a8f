// /readyz turns unready when EventGate stops answering with a backlog pending, and ready again
// once delivery resumes (issue 8, acceptance 2).
#include "FakeEventGate.h"
#include "OperabilityDaemon.h"

#include <csignal>

using namespace eventbus;
using namespace eventbus::test;

class ReadinessTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ReadinessTest);
    CPPUNIT_TEST(testUnreadyWhileStalledReadyAfterDelivery);
    CPPUNIT_TEST_SUITE_END();

public:
    void testUnreadyWhileStalledReadyAfterDelivery()
    {
        FakeEventGate gate;
        gate.start();
        gate.setDefault(FakeEventGate::status(503, "Service Unavailable"));
        OperabilityDaemon d(gate.url(), "admin.ready_stall_seconds = 1\n");
        d.start();
        CPPUNIT_ASSERT_EQUAL(200, d.admin("/readyz"));
        CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/test/events", testEvent("stuck-1")));
        std::string body;
        CPPUNIT_ASSERT(waitUntil([&] { return d.admin("/readyz", &body) == 503; }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_MESSAGE(body, body.find("backlog of 1 events") != std::string::npos);
        gate.setDefault(FakeEventGate::created());
        CPPUNIT_ASSERT(gate.waitForEvents(1, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
        CPPUNIT_ASSERT(waitUntil([&] { return d.admin("/readyz", &body) == 200; }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReadinessTest);
