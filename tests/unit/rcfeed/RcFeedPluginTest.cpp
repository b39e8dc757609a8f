#include "integration/feeds/DropInFile.h"
#include "integration/feeds/EventFixtures.h"

#include "eventbus/FakeHost.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <memory>

using eventbus::testing::FakeHost;
using eventbus::testing::PluginLibrary;

/// The rcfeed module as the host loads it: its configuration keys, its listener and its decode.
class RcFeedPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RcFeedPluginTest);
    CPPUNIT_TEST(testDescriptor);
    CPPUNIT_TEST(testShippedDropInListsEveryKey);
    CPPUNIT_TEST(testDefaultListener);
    CPPUNIT_TEST(testConfiguredListener);
    CPPUNIT_TEST(testDatagramBecomesEvent);
    CPPUNIT_TEST(testStreamNameMap);
    CPPUNIT_TEST(testRejectionReachesTheHost);
    CPPUNIT_TEST(testUnknownKeyIsRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(modulePath()); }
    void tearDown() override { _library.reset(); }

    void testDescriptor() {
        const eb_plugin_descriptor* d = _library->descriptor();
        CPPUNIT_ASSERT_EQUAL(std::string("rcfeed"), std::string(d->name));
        CPPUNIT_ASSERT_EQUAL(size_t(3), d->config_key_count);
        for (size_t i = 0; i < d->config_key_count; ++i) {
            CPPUNIT_ASSERT(d->config_keys[i].default_value != nullptr);
            CPPUNIT_ASSERT(std::string(d->config_keys[i].doc).size() > 10);
        }
    }

    void testShippedDropInListsEveryKey() { DropInFile::assertMatches(*_library->descriptor()); }

    void testDefaultListener() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(size_t(1), host.listeners().size());
        const auto* udp = host.listener("udp");
        CPPUNIT_ASSERT(udp != nullptr);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_UDP), udp->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:9390"), udp->address);
        CPPUNIT_ASSERT_EQUAL(size_t(65507), udp->maxMessageBytes);
        CPPUNIT_ASSERT(udp->multicastGroup.empty());
    }

    void testConfiguredListener() {
        FakeHost host(_library->descriptor(), {{"listen", "0.0.0.0:19390"}});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("0.0.0.0:19390"), host.listener("udp")->address);
    }

    void testDatagramBecomesEvent() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("udp", EventFixtures::read("rcfeed/log-prefixed.dgram"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_EVENT), r.events[0].type);
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.recentchange"), r.events[0].stream);
        CPPUNIT_ASSERT(r.events[0].json.find("\"id\":\"" + r.events[0].id + "\"") != std::string::npos);
        CPPUNIT_ASSERT(r.events[0].json.find("\"log_type\":\"delete\"") != std::string::npos);
    }

    void testStreamNameMap() {
        FakeHost host(_library->descriptor(), {{"stream", "rc"}});
        host.mapStream("rc", "rc.v2");
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("udp", EventFixtures::read("rcfeed/edit.dgram"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("rc.v2"), r.events.at(0).stream);
        CPPUNIT_ASSERT(r.events[0].json.find("\"stream\":\"rc.v2\"") != std::string::npos);
    }

    void testRejectionReachesTheHost() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("udp", "{\"id\":1,");
        CPPUNIT_ASSERT(r.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), r.reason);
        CPPUNIT_ASSERT(r.events.empty());
        CPPUNIT_ASSERT(!host.disabled());
        CPPUNIT_ASSERT(host.decode("udp", EventFixtures::read("rcfeed/new.dgram")).ok());
    }

    void testUnknownKeyIsRefused() {
        FakeHost host(_library->descriptor(), {{"redis", "redis://localhost"}});
        CPPUNIT_ASSERT(!host.start());
        CPPUNIT_ASSERT(host.error().find("redis") != std::string::npos);
    }

private:
    static std::string modulePath() {
        const char* build = std::getenv("EVENTBUS_BUILD_DIR");
        CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is not set (run through ctest)", build != nullptr);
        return std::string(build) + "/plugins/rcfeed.so";
    }

    std::unique_ptr<PluginLibrary> _library;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RcFeedPluginTest);
