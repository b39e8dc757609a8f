// Issue 10, acceptance 2, against the real loader: a module with the frozen 1.0 descriptor layout
// (an older minor, once the ABI moves on) loads and works; a module of another major is refused
// with a message naming the file, the plugin's ABI and the host's.
#include "MetricsRegistry.h"
#include "PluginInstance.h"
#include "PluginModule.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace eventbus;

namespace {

std::string modulePath(const std::string& name) {
    const char* build = std::getenv("EVENTBUS_BUILD_DIR");
    return std::string(build ? build : ".") + "/tests/plugins/" + name + ".so";
}

} // namespace

class AbiCompatibilityTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AbiCompatibilityTest);
    CPPUNIT_TEST(testOlderMinorDescriptorLoadsAndDecodes);
    CPPUNIT_TEST(testOtherMajorRefusedWithBothVersions);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOlderMinorDescriptorLoadsAndDecodes() {
        auto module = PluginModule::open(modulePath("abi-test-plugin-minor"));
        CPPUNIT_ASSERT_EQUAL(std::string("abi-test-minor"), module->name());
        CPPUNIT_ASSERT_EQUAL(std::string("1.0"), module->abi());
        CPPUNIT_ASSERT_EQUAL(size_t(1), module->configKeys().size());

        MetricsRegistry metrics;
        PluginInstance plugin(module, {{"listen", "127.0.0.1:0"}}, {}, metrics);
        plugin.create();
        CPPUNIT_ASSERT_EQUAL(size_t(1), plugin.listeners().size());
        IngressInput input;
        input.listener = "in";
        input.data = "x";
        DecodeResult r = plugin.decode(input);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.rejectMessage, int(EB_OK), r.status);
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("00000000-0000-4000-8000-0000000000a1"), r.events[0].id);
    }

    void testOtherMajorRefusedWithBothVersions() {
        const std::string path = modulePath("abi-test-plugin-major2");
        try {
            PluginModule::open(path);
            CPPUNIT_FAIL("a plugin of ABI major 2 was loaded");
        } catch (const std::runtime_error& e) {
            const std::string message = e.what();
            CPPUNIT_ASSERT_MESSAGE(message, message.find(path) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(message, message.find("plugin ABI 2.0") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(message, message.find("host ABI 1.0") != std::string::npos);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AbiCompatibilityTest);
