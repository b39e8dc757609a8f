// The eventgate-relay module as the host loads it (through FakeHost): its route, EventGate's
// answers (201 or 202 with an empty body and no content type, 400 with the reason) and
// concurrent decoding.
#include "eventbus/FakeHost.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

using eventbus::testing::FakeHost;
using eventbus::testing::InputContext;
using eventbus::testing::PluginLibrary;

namespace {

std::string modulePath() {
    const char* build = std::getenv("EVENTBUS_BUILD_DIR");
    CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is not set (run through ctest)", build != nullptr);
    return std::string(build) + "/plugins/eventgate-relay.so";
}

InputContext post(const std::string& uri = "/v1/events") {
    InputContext c;
    c.method = "POST";
    c.uri = uri;
    c.contentType = "application/json";
    return c;
}

const std::string kEvent = R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":"e-1","dt":"2024-07-01T00:00:00Z"},"a" : 1})";

} // namespace

class EventGateRelayPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EventGateRelayPluginTest);
    CPPUNIT_TEST(testRoute);
    CPPUNIT_TEST(testAnswersLikeEventGate);
    CPPUNIT_TEST(testHasty);
    CPPUNIT_TEST(testBadBodyIsAnswered400);
    CPPUNIT_TEST(testConcurrentDecode);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<PluginLibrary> _library;

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(modulePath()); }
    void tearDown() override { _library.reset(); }

    void testRoute() {
        FakeHost host(_library->descriptor(), {{"route", "/relay/v1/events"}});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("eventgate-relay"), std::string(host.descriptor().name));
        const auto* events = host.listener("events");
        CPPUNIT_ASSERT(events != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("/relay/v1/events"), events->route);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), events->methods);
    }

    void testAnswersLikeEventGate() {
        FakeHost host(_library->descriptor(), {});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        auto out = host.decode("events", "[" + kEvent + "," + R"({"meta":{"stream":"other"}}])", post());
        CPPUNIT_ASSERT_MESSAGE(out.message, out.ok());
        CPPUNIT_ASSERT(out.responded);
        CPPUNIT_ASSERT_EQUAL(201, out.http.status);
        CPPUNIT_ASSERT_EQUAL(std::string(), out.http.body);
        CPPUNIT_ASSERT_EQUAL(std::string(), out.http.contentType);
        CPPUNIT_ASSERT_EQUAL(size_t(2), out.events.size());
        CPPUNIT_ASSERT_EQUAL(kEvent, out.events[0].json);
        CPPUNIT_ASSERT_EQUAL(std::string("e-1"), out.events[0].id);
        CPPUNIT_ASSERT_EQUAL(std::string("test.event"), out.events[0].stream);
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_EVENT), out.events[0].type);
        CPPUNIT_ASSERT_EQUAL(std::string("other"), out.events[1].stream);
        CPPUNIT_ASSERT(out.events[1].json.find("\"id\":\"" + out.events[1].id + "\",\"dt\":\"") != std::string::npos);
    }

    void testHasty() {
        FakeHost host(_library->descriptor(), {});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        for (const char* uri : {"/v1/events?hasty=true", "/v1/events?hasty", "/v1/events?a=b&hasty=0"}) {
            auto out = host.decode("events", kEvent, post(uri));
            CPPUNIT_ASSERT_MESSAGE(uri, out.ok());
            CPPUNIT_ASSERT_EQUAL(202, out.http.status);
            CPPUNIT_ASSERT_EQUAL(std::string(), out.http.body);
        }
    }

    void testBadBodyIsAnswered400() {
        FakeHost host(_library->descriptor(), {});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        auto out = host.decode("events", "[" + kEvent + R"(,{"meta":{}}])", post());
        CPPUNIT_ASSERT(out.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("missing_stream"), out.reason);
        CPPUNIT_ASSERT_EQUAL(400, out.http.status);
        CPPUNIT_ASSERT_MESSAGE(out.http.body, out.http.body.find("event 1: no meta.stream") != std::string::npos);
        CPPUNIT_ASSERT(out.events.empty());
    }

    void testConcurrentDecode() {
        FakeHost host(_library->descriptor(), {});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        std::string batch = "[";
        for (int i = 0; i < 50; ++i) batch += (i ? "," : "") + std::string(R"({"meta":{"stream":"s"},"i":)") + std::to_string(i) + "}";
        batch += "]";
        std::atomic<int> good{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int k = 0; k < 50; ++k) {
                    auto out = host.decode("events", batch, post());
                    if (out.ok() && out.events.size() == 50 && out.events[49].json.find("\"i\":49}") != std::string::npos) ++good;
                }
            });
        for (auto& t : threads) t.join();
        CPPUNIT_ASSERT_EQUAL(200, good.load());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EventGateRelayPluginTest);
