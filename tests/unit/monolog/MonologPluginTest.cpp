#include "integration/feeds/DropInFile.h"
#include "integration/feeds/EventFixtures.h"

#include "eventbus/FakeHost.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <memory>

using eventbus::testing::FakeHost;
using eventbus::testing::PluginLibrary;

/// The monolog module as the host loads it: its keys, its two listeners and its decode.
class MonologPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MonologPluginTest);
    CPPUNIT_TEST(testDescriptor);
    CPPUNIT_TEST(testShippedDropInListsEveryKey);
    CPPUNIT_TEST(testDefaultListeners);
    CPPUNIT_TEST(testConfiguredListeners);
    CPPUNIT_TEST(testBadConfigurationIsRefused);
    CPPUNIT_TEST(testTcpLine);
    CPPUNIT_TEST(testUdpSyslogDatagram);
    CPPUNIT_TEST(testBatchEmitsEveryEvent);
    CPPUNIT_TEST(testChannelStreams);
    CPPUNIT_TEST(testRejection);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(modulePath()); }
    void tearDown() override { _library.reset(); }

    void testDescriptor() {
        const eb_plugin_descriptor* d = _library->descriptor();
        CPPUNIT_ASSERT_EQUAL(std::string("monolog"), std::string(d->name));
        CPPUNIT_ASSERT_EQUAL(size_t(4), d->config_key_count);
    }

    void testShippedDropInListsEveryKey() { DropInFile::assertMatches(*_library->descriptor()); }

    void testDefaultListeners() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(size_t(2), host.listeners().size());
        const auto* tcp = host.listener("tcp");
        CPPUNIT_ASSERT(tcp != nullptr);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_TCP_LINES), tcp->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:5140"), tcp->address);
        CPPUNIT_ASSERT_EQUAL(size_t(1048576), tcp->maxMessageBytes);
        const auto* udp = host.listener("udp");
        CPPUNIT_ASSERT(udp != nullptr);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_UDP), udp->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:5140"), udp->address);
        CPPUNIT_ASSERT_EQUAL(size_t(65507), udp->maxMessageBytes);
    }

    void testConfiguredListeners() {
        FakeHost host(_library->descriptor(),
                      {{"tcp_listen", "127.0.0.1:15140"}, {"udp_listen", "127.0.0.1:10514"}, {"max_line_bytes", "4096"}});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:15140"), host.listener("tcp")->address);
        CPPUNIT_ASSERT_EQUAL(size_t(4096), host.listener("tcp")->maxMessageBytes);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:10514"), host.listener("udp")->address);
    }

    void testBadConfigurationIsRefused() {
        FakeHost badMap(_library->descriptor(), {{"channel_streams", "api-request"}});
        CPPUNIT_ASSERT(!badMap.start());
        CPPUNIT_ASSERT_MESSAGE(badMap.error(), badMap.error().find("channel_streams") != std::string::npos);
        FakeHost badSize(_library->descriptor(), {{"max_line_bytes", "0"}});
        CPPUNIT_ASSERT(!badSize.start());
        CPPUNIT_ASSERT_MESSAGE(badSize.error(), badSize.error().find("max_line_bytes") != std::string::npos);
    }

    void testTcpLine() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        std::string line = EventFixtures::read("monolog/api-request.jsonl");
        line.pop_back(); // the host hands over lines without their "\n"
        const auto r = host.decode("tcp", line);
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_EVENT), r.events[0].type);
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), r.events[0].stream);
        CPPUNIT_ASSERT_EQUAL(std::string("5b0e1c53-3d35-4a36-9c2e-2a9f4f3b7d11"), r.events[0].id);
    }

    void testUdpSyslogDatagram() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("udp", EventFixtures::read("monolog/api-request.syslog"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), r.events.at(0).stream);
        // A syslog header on the TCP listener is not JSON.
        const auto tcp = host.decode("tcp", EventFixtures::read("monolog/api-request.syslog"));
        CPPUNIT_ASSERT(tcp.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), tcp.reason);
    }

    void testBatchEmitsEveryEvent() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("tcp", EventFixtures::read("monolog/batch.json"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(2), r.events.size());
        CPPUNIT_ASSERT(r.events[0].json.find("\"foo\":\"bar\"") != std::string::npos);
        CPPUNIT_ASSERT(r.events[1].json.find("\"baz\":\"quux\"") != std::string::npos);
    }

    void testChannelStreams() {
        FakeHost host(_library->descriptor(), {{"channel_streams", "api-request=mediawiki.api-request"}});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("tcp", EventFixtures::read("monolog/monolog1-api-request.jsonl"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), r.events.at(0).stream);
    }

    void testRejection() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("udp", EventFixtures::read("monolog/squid-empty-context.jsonl"));
        CPPUNIT_ASSERT(r.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("missing_schema"), r.reason);
        CPPUNIT_ASSERT(!host.disabled());
    }

private:
    static std::string modulePath() {
        const char* build = std::getenv("EVENTBUS_BUILD_DIR");
        CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is not set (run through ctest)", build != nullptr);
        return std::string(build) + "/plugins/monolog.so";
    }

    std::unique_ptr<PluginLibrary> _library;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MonologPluginTest);
