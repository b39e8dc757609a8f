// Events delivered to FakeEventGate pass the shared validator (../shared/tools/validate-events)
// for the streams used in the dispatcher tests. Skipped when ../shared is absent.
#include "DispatchFixture.h"
#include "Dispatcher.h"
#include "FakeEventGate.h"

#include <Poco/Environment.h>

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <iostream>

using namespace eventbus;
using eventbus::test::DispatchFixture;
using eventbus::test::FakeEventGate;

class DispatcherSchemaTest : public CppUnit::TestFixture, DispatchFixture {
    CPPUNIT_TEST_SUITE(DispatcherSchemaTest);
    CPPUNIT_TEST(testDeliveredEventsAreValid);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDeliveredEventsAreValid()
    {
        std::string validator = Poco::Environment::get("EVENTBUS_SHARED_DIR", "") + "/tools/validate-events";
        if (Poco::Environment::get("EVENTBUS_SHARED_DIR", "").empty() || !Poco::File(validator).exists()) {
            std::cout << "SKIPPED: EVENTBUS_SHARED_DIR with tools/validate-events is absent" << std::endl;
            return;
        }
        FakeEventGate gate;
        gate.start();
        MetricsRegistry metrics;
        Dispatcher dispatcher(settings(service("eventgate", gate.url()), ""), metrics);
        dispatcher.start();
        std::vector<Event> batch = events("v", 3, "test.event");
        Event purge;
        purge.stream = "resource-purge";
        purge.type = 4;
        purge.id = "7b0f3a4e-5d0c-4d8a-9f5e-2b7c1d3e4f50";
        purge.json = R"({"$schema":"/resource_change/1.0.0","meta":{"stream":"resource-purge","id":")" + purge.id
            + R"(","dt":"2026-11-28T12:00:00Z","uri":"https://en.wikipedia.org/wiki/Main_Page","domain":"en.wikipedia.org"},"tags":["mediawiki"]})";
        batch.push_back(purge);
        CPPUNIT_ASSERT_EQUAL(size_t(4), dispatcher.submit(std::move(batch)).accepted);
        CPPUNIT_ASSERT(gate.waitForEvents(4, deadline()));

        std::string delivered = temporaryPath();
        {
            std::ofstream out(delivered);
            for (const std::string& event : gate.events())
                out << event << '\n';
        }
        int valid = std::system((validator + " " + delivered + " > /dev/null").c_str());
        // The validator really judges: an event without meta.dt is refused.
        std::string broken = temporaryPath();
        {
            std::ofstream out(broken);
            out << R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event"}})" << '\n';
        }
        int invalid = std::system((validator + " " + broken + " > /dev/null 2>&1").c_str());
        Poco::File(delivered).remove();
        Poco::File(broken).remove();
        CPPUNIT_ASSERT_EQUAL(0, valid);
        CPPUNIT_ASSERT(invalid != 0);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DispatcherSchemaTest);
