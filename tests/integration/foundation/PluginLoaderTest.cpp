// The loader's refusals and the host's isolation of a failing plugin (issue 2, acceptance 3).
#include "MetricsRegistry.h"
#include "PluginLoader.h"
#include "PluginModule.h"
#include "TestEnv.h"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

using namespace eventbus;

namespace {

std::string testPlugin(const std::string& name) { return test::buildDir() + "/tests/plugins/" + name + ".so"; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string openError(const std::string& path)
{
    try {
        PluginModule::open(path);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

Settings settingsWith(const std::vector<std::string>& enabled)
{
    Settings s;
    s.pluginDir = test::buildDir() + "/tests/plugins";
    for (const auto& name : enabled) {
        PluginSettings p;
        p.name = name;
        p.enabled = true;
        p.dropIn = "/etc/eventbus/conf.d/" + name + ".properties";
        s.plugins[name] = p;
    }
    return s;
}

IngressInput line(const std::string& data)
{
    IngressInput in;
    in.kind = EB_LISTEN_HTTP;
    in.listener = "http";
    in.data = data;
    in.peerAddress = "127.0.0.1";
    return in;
}

} // namespace

class PluginLoaderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PluginLoaderTest);
    CPPUNIT_TEST(testLoadsPluginAndReadsDescriptor);
    CPPUNIT_TEST(testRefusesOtherAbiMajorNamingBoth);
    CPPUNIT_TEST(testRefusesModuleWithoutEntrySymbol);
    CPPUNIT_TEST(testRefusesModuleWritableByOthers);
    CPPUNIT_TEST(testRefusesModuleWhoseNameDiffers);
    CPPUNIT_TEST(testThrowingCreateIsDisabledOthersKeepWorking);
    CPPUNIT_TEST(testFailingOrThrowingDecodeDisablesOnlyThatPlugin);
    CPPUNIT_TEST(testDecodeIntoAppendsOnlyWhatAnAcceptedInputGives);
    CPPUNIT_TEST(testUnknownPluginKeyNamesFileAndKey);
    CPPUNIT_TEST_SUITE_END();

public:
    void testLoadsPluginAndReadsDescriptor()
    {
        auto m = PluginModule::open(testPlugin("test-echo"));
        CPPUNIT_ASSERT_EQUAL(std::string("test-echo"), m->name());
        CPPUNIT_ASSERT_EQUAL(std::string("1.0"), m->abi());
        CPPUNIT_ASSERT_EQUAL(size_t(4), m->configKeys().size());
    }

    void testRefusesOtherAbiMajorNamingBoth()
    {
        std::string path = testPlugin("test-abi2");
        std::string e = openError(path);
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, path));
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, "plugin ABI 2.0"));
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, "host ABI 1.0"));
    }

    void testRefusesModuleWithoutEntrySymbol()
    {
        std::string path = testPlugin("test-noentry");
        std::string e = openError(path);
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, path));
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, "no entry symbol eventbus_plugin_entry"));
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, "host ABI 1.0"));
    }

    void testRefusesModuleWritableByOthers()
    {
        test::ScratchDir dir;
        ::chmod(dir.path().c_str(), 0755);
        std::string copy = dir.file("test-echo.so");
        test::writeFile(copy, test::readFile(testPlugin("test-echo")));
        ::chmod(copy.c_str(), 0666);
        std::string e = openError(copy);
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, copy));
        CPPUNIT_ASSERT_MESSAGE(e, contains(e, "writable by group or others"));
        ::chmod(copy.c_str(), 0644);
        CPPUNIT_ASSERT_EQUAL(std::string(), openError(copy));
        ::chmod(dir.path().c_str(), 0777);
        std::string d = openError(copy);
        CPPUNIT_ASSERT_MESSAGE(d, contains(d, "plugin folder is writable by group or others"));
        ::chmod(dir.path().c_str(), 0755);
    }

    void testRefusesModuleWhoseNameDiffers()
    {
        Settings s = settingsWith({"other-name"});
        s.plugins["other-name"].path = testPlugin("test-echo");
        MetricsRegistry metrics;
        std::vector<ConfigProblem> problems, failures;
        auto plugins = PluginLoader::load(s, metrics, problems, failures);
        CPPUNIT_ASSERT(plugins.empty());
        CPPUNIT_ASSERT_EQUAL(size_t(1), problems.size());
        CPPUNIT_ASSERT_MESSAGE(problems[0].str(), contains(problems[0].str(), "is the plugin 'test-echo', not 'other-name'"));
    }

    void testThrowingCreateIsDisabledOthersKeepWorking()
    {
        Settings s = settingsWith({"test-throw", "test-echo"});
        MetricsRegistry metrics;
        std::vector<ConfigProblem> problems, failures;
        auto plugins = PluginLoader::load(s, metrics, problems, failures);
        CPPUNIT_ASSERT(problems.empty());
        CPPUNIT_ASSERT_EQUAL(size_t(1), failures.size());
        CPPUNIT_ASSERT_MESSAGE(failures[0].str(), contains(failures[0].str(), "test-throw"));
        CPPUNIT_ASSERT_MESSAGE(failures[0].str(), contains(failures[0].str(), "boom in create"));
        CPPUNIT_ASSERT_EQUAL(size_t(1), plugins.size());
        CPPUNIT_ASSERT_EQUAL(std::string("test-echo"), plugins[0]->name());
        auto r = plugins[0]->decode(line(R"({"meta":{"stream":"s","id":"i1"}})"));
        CPPUNIT_ASSERT_EQUAL(int(EB_OK), r.status);
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("s"), r.events[0].stream);
    }

    void testFailingOrThrowingDecodeDisablesOnlyThatPlugin()
    {
        for (const std::string trigger : {"FAIL", "THROW"}) {
            Settings s = settingsWith({"test-echo"});
            MetricsRegistry metrics;
            std::vector<ConfigProblem> problems, failures;
            auto plugins = PluginLoader::load(s, metrics, problems, failures);
            CPPUNIT_ASSERT_EQUAL(size_t(1), plugins.size());
            auto r = plugins[0]->decode(line(trigger));
            CPPUNIT_ASSERT_EQUAL(int(EB_FAILED), r.status);
            CPPUNIT_ASSERT(plugins[0]->state() == PluginInstance::State::Failed);
            auto after = plugins[0]->decode(line(R"({"meta":{"stream":"s","id":"i1"}})"));
            CPPUNIT_ASSERT_EQUAL(int(EB_REJECTED), after.status);
            CPPUNIT_ASSERT_EQUAL(std::string("plugin_disabled"), after.rejectReason);
            CPPUNIT_ASSERT_EQUAL(1.0, metrics.value("eventbus_plugin_failures_total", {{"plugin", "test-echo"}}));
        }
    }

    /// A UDP set decodes every datagram into one list: an input the plugin rejects after emitting
    /// some events must leave the list as it was, and an accepted one appends after what is there.
    void testDecodeIntoAppendsOnlyWhatAnAcceptedInputGives()
    {
        Settings s = settingsWith({"test-echo"});
        MetricsRegistry metrics;
        std::vector<ConfigProblem> problems, failures;
        auto plugins = PluginLoader::load(s, metrics, problems, failures);
        CPPUNIT_ASSERT_EQUAL(size_t(1), plugins.size());
        std::vector<Event> events(1);
        events[0].id = "earlier";
        const std::string first = R"({"meta":{"stream":"s","id":"i1"}})";
        const std::string second = R"({"meta":{"stream":"s","id":"i2"}})";
        DecodeResult r = plugins[0]->decodeInto(line(first + "\n" + second), events);
        CPPUNIT_ASSERT_EQUAL(int(EB_OK), r.status);
        CPPUNIT_ASSERT(r.events.empty());
        CPPUNIT_ASSERT_EQUAL(size_t(3), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("i2"), events[2].id);
        r = plugins[0]->decodeInto(line(R"({"meta":{"stream":"s","id":"i3"}})" "\nnot json"), events);
        CPPUNIT_ASSERT_EQUAL(int(EB_REJECTED), r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), r.rejectReason);
        CPPUNIT_ASSERT_EQUAL(size_t(3), events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("earlier"), events[0].id);
        CPPUNIT_ASSERT_EQUAL(std::string("i1"), events[1].id);
        CPPUNIT_ASSERT_EQUAL(std::string("i2"), events[2].id);
    }

    void testUnknownPluginKeyNamesFileAndKey()
    {
        Settings s = settingsWith({"test-echo"});
        s.plugins["test-echo"].keys["udp_lsten"] = ConfigValue{"127.0.0.1:1", "/etc/eventbus/conf.d/echo.properties"};
        MetricsRegistry metrics;
        std::vector<ConfigProblem> problems, failures;
        PluginLoader::load(s, metrics, problems, failures);
        CPPUNIT_ASSERT_EQUAL(size_t(1), problems.size());
        CPPUNIT_ASSERT_EQUAL(std::string("/etc/eventbus/conf.d/echo.properties:plugin.test-echo.udp_lsten: unknown key "
                                         "for plugin test-echo (did you mean plugin.test-echo.udp_listen?)"),
                             problems[0].str());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginLoaderTest);
