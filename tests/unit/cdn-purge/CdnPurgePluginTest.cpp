#include "integration/feeds/DropInFile.h"
#include "integration/feeds/EventFixtures.h"

#include "eventbus/FakeHost.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <memory>

using eventbus::testing::FakeHost;
using eventbus::testing::InputContext;
using eventbus::testing::PluginLibrary;

/// The cdn-purge module as the host loads it: its keys, its two listeners, its decode and answers.
class CdnPurgePluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CdnPurgePluginTest);
    CPPUNIT_TEST(testDescriptor);
    CPPUNIT_TEST(testShippedDropInListsEveryKey);
    CPPUNIT_TEST(testDefaultListeners);
    CPPUNIT_TEST(testMulticastGroup);
    CPPUNIT_TEST(testNonMulticastGroupIsRefused);
    CPPUNIT_TEST(testHtcpDatagramBecomesPurgeEvent);
    CPPUNIT_TEST(testPurgeRequestIsAnswered200);
    CPPUNIT_TEST(testBadPurgeRequestIsAnswered400);
    CPPUNIT_TEST(testStreamNameMapAndDomain);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(modulePath()); }
    void tearDown() override { _library.reset(); }

    void testDescriptor() {
        const eb_plugin_descriptor* d = _library->descriptor();
        CPPUNIT_ASSERT_EQUAL(std::string("cdn-purge"), std::string(d->name));
        CPPUNIT_ASSERT_EQUAL(size_t(5), d->config_key_count);
        for (size_t i = 0; i < d->config_key_count; ++i) CPPUNIT_ASSERT(d->config_keys[i].default_value != nullptr);
    }

    void testShippedDropInListsEveryKey() { DropInFile::assertMatches(*_library->descriptor()); }

    void testDefaultListeners() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(size_t(2), host.listeners().size());
        const auto* htcp = host.listener("htcp");
        CPPUNIT_ASSERT(htcp != nullptr);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_UDP), htcp->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:4827"), htcp->address);
        CPPUNIT_ASSERT(htcp->multicastGroup.empty());
        const auto* http = host.listener("http");
        CPPUNIT_ASSERT(http != nullptr);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_HTTP), http->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:3128"), http->address);
        CPPUNIT_ASSERT_EQUAL(std::string("PURGE"), http->methods);
        CPPUNIT_ASSERT(http->route.empty());
    }

    void testMulticastGroup() {
        FakeHost host(_library->descriptor(), {{"htcp_listen", "0.0.0.0:4827"}, {"multicast_group", "239.128.0.112"}});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("239.128.0.112"), host.listener("htcp")->multicastGroup);
        CPPUNIT_ASSERT_EQUAL(std::string("0.0.0.0:4827"), host.listener("htcp")->address);
    }

    void testNonMulticastGroupIsRefused() {
        for (const char* group : {"10.0.0.1", "239.128.0.300", "ff02::1", "group"}) {
            FakeHost host(_library->descriptor(), {{"multicast_group", group}});
            CPPUNIT_ASSERT_MESSAGE(group, !host.start());
            CPPUNIT_ASSERT_MESSAGE(host.error(), host.error().find("multicast_group") != std::string::npos);
        }
    }

    void testHtcpDatagramBecomesPurgeEvent() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const auto r = host.decode("htcp", EventFixtures::read("cdn-purge/clr-foo.htcp"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_PURGE), r.events[0].type);
        CPPUNIT_ASSERT_EQUAL(std::string("resource-purge"), r.events[0].stream);
        EventFixtures::assertEvent(
            R"({"$schema":"/resource_change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Foo","id":"@ID@","domain":"en.wikipedia.org","stream":"resource-purge","dt":"@DT@"},"tags":["mediawiki"]})",
            r.events[0].json);
        const auto bad = host.decode("htcp", EventFixtures::read("cdn-purge/clr-foo.htcp").substr(0, 30));
        CPPUNIT_ASSERT(bad.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("truncated_htcp"), bad.reason);
    }

    void testPurgeRequestIsAnswered200() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        InputContext request;
        request.method = "PURGE";
        request.uri = "http://en.wikipedia.org/wiki/Foo";
        request.headers = {{"host", "en.wikipedia.org"}, {"user-agent", "MediaWiki/1.43.0 CdnCacheUpdate"},
                           {"content-length", "0"}};
        const auto r = host.decode("http", "", request);
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(200, r.http.status);
        CPPUNIT_ASSERT(r.http.body.empty());
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_PURGE), r.events.at(0).type);
        CPPUNIT_ASSERT(r.events[0].json.find(R"("uri":"http://en.wikipedia.org/wiki/Foo")") != std::string::npos);

        request.uri = "/wiki/Bar";
        request.headers = {{"Host", "de.wikipedia.org"}};
        const auto origin = host.decode("http", "", request);
        CPPUNIT_ASSERT_MESSAGE(origin.message, origin.ok());
        CPPUNIT_ASSERT(origin.events.at(0).json.find(R"("uri":"http://de.wikipedia.org/wiki/Bar")") != std::string::npos);
    }

    void testBadPurgeRequestIsAnswered400() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        InputContext request;
        request.method = "PURGE";
        request.uri = "/wiki/Foo";
        const auto r = host.decode("http", "", request);
        CPPUNIT_ASSERT(r.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_url"), r.reason);
        CPPUNIT_ASSERT_EQUAL(400, r.http.status);
        CPPUNIT_ASSERT(r.http.body.find("Host") != std::string::npos);
        CPPUNIT_ASSERT(!r.responded);
    }

    void testStreamNameMapAndDomain() {
        FakeHost host(_library->descriptor(), {{"domain", "en.wikipedia.org"}});
        host.mapStream("resource-purge", "test-resource-purge");
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const std::string datagram = EventFixtures::read("cdn-purge/clr-foo.htcp");
        const auto r = host.decode("htcp", datagram);
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("test-resource-purge"), r.events.at(0).stream);
        EventFixtures::assertEvent(
            R"({"$schema":"/resource_change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Foo","id":"@ID@","domain":"en.wikipedia.org","stream":"test-resource-purge","dt":"@DT@"},"tags":["mediawiki"]})",
            r.events[0].json);
    }

private:
    static std::string modulePath() {
        const char* build = std::getenv("EVENTBUS_BUILD_DIR");
        CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is not set (run through ctest)", build != nullptr);
        return std::string(build) + "/plugins/cdn-purge.so";
    }

    std::unique_ptr<PluginLibrary> _library;
};

CPPUNIT_TEST_SUITE_REGISTRATION(CdnPurgePluginTest);
