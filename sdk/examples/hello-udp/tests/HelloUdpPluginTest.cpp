// The built module, loaded as the daemon loads it, driven through the SDK's FakeHost.
#include <eventbus/FakeHost.hpp>

#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <string>

using eventbus::testing::FakeHost;
using eventbus::testing::InputContext;
using eventbus::testing::PluginLibrary;

class HelloUdpPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HelloUdpPluginTest);
    CPPUNIT_TEST(testDescriptor);
    CPPUNIT_TEST(testDeclaresUdpListenerFromConfig);
    CPPUNIT_TEST(testDatagramBecomesEvent);
    CPPUNIT_TEST(testBadDatagramRejected);
    CPPUNIT_TEST(testStreamNameMap);
    CPPUNIT_TEST(testConfigChecked);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(HELLO_UDP_MODULE); }
    void tearDown() override { _library.reset(); }

    void testDescriptor() {
        const eb_plugin_descriptor* d = _library->descriptor();
        CPPUNIT_ASSERT_EQUAL(std::string("hello-udp"), std::string(d->name));
        CPPUNIT_ASSERT_EQUAL(int(EB_ABI_MAJOR), int(d->abi_major));
        CPPUNIT_ASSERT_EQUAL(size_t(3), d->config_key_count);
    }

    void testDeclaresUdpListenerFromConfig() {
        FakeHost host(_library->descriptor(), {{"listen", "127.0.0.1:9400"}, {"max_bytes", "512"}});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(size_t(1), host.listeners().size());
        const auto* l = host.listener("udp");
        CPPUNIT_ASSERT(l);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_UDP), l->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:9400"), l->address);
        CPPUNIT_ASSERT_EQUAL(size_t(512), l->maxMessageBytes);
        auto oversized = host.decode("udp", "test.event " + std::string(600, 'x'));
        CPPUNIT_ASSERT(oversized.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("oversized"), oversized.reason);
    }

    void testDatagramBecomesEvent() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        InputContext peer;
        peer.peerAddress = "192.0.2.1";
        peer.peerPort = 4321;
        auto r = host.decode("udp", "test.event hello", peer);
        CPPUNIT_ASSERT(r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        const auto& e = r.events[0];
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_EVENT), e.type);
        CPPUNIT_ASSERT_EQUAL(std::string("test.event"), e.stream);
        CPPUNIT_ASSERT(e.json.find("\"id\":\"" + e.id + "\"") != std::string::npos);
        CPPUNIT_ASSERT(e.json.find("\"$schema\":\"/test/event/1.0.0\"") != std::string::npos);
        CPPUNIT_ASSERT(e.json.find("\"test\":\"hello\"") != std::string::npos);
        CPPUNIT_ASSERT(e.json.find("\"peer\":\"192.0.2.1:4321\"") != std::string::npos);
    }

    void testBadDatagramRejected() {
        FakeHost host(_library->descriptor());
        CPPUNIT_ASSERT(host.start());
        auto r = host.decode("udp", "prod.event hello");
        CPPUNIT_ASSERT(r.rejected());
        CPPUNIT_ASSERT(r.events.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("stream_not_allowed"), r.reason);
        CPPUNIT_ASSERT(!host.disabled());
        CPPUNIT_ASSERT(host.decode("udp", "test.event ok").ok());
    }

    void testStreamNameMap() {
        FakeHost host(_library->descriptor());
        host.mapStream("test.event", "test.event.renamed");
        CPPUNIT_ASSERT(host.start());
        auto r = host.decode("udp", "test.event hi");
        CPPUNIT_ASSERT_EQUAL(std::string("test.event.renamed"), r.events.at(0).stream);
    }

    void testConfigChecked() {
        FakeHost unknown(_library->descriptor(), {{"port", "9"}});
        CPPUNIT_ASSERT(!unknown.start());
        CPPUNIT_ASSERT(unknown.error().find("plugin.hello-udp.port") != std::string::npos);
        FakeHost tooBig(_library->descriptor(), {{"max_bytes", "70000"}});
        CPPUNIT_ASSERT(!tooBig.start());
        CPPUNIT_ASSERT(tooBig.error().find("max_bytes must be within") != std::string::npos);
    }

private:
    std::unique_ptr<PluginLibrary> _library;
};

CPPUNIT_TEST_SUITE_REGISTRATION(HelloUdpPluginTest);
