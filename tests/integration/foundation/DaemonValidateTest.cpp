// `eventbusd --validate` on the shipped configuration and on broken ones (issue 2, acceptance 2).
#include "TestEnv.h"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

using namespace eventbus;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int validate(const std::string& config, std::string& output)
{
    return test::runCommand(test::daemonPath() + " --validate --config=" + config + " 2>&1", &output);
}

} // namespace

class DaemonValidateTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DaemonValidateTest);
    CPPUNIT_TEST(testShippedConfigurationIsValid);
    CPPUNIT_TEST(testMisspelledKeyExitsOneNamingFileAndKey);
    CPPUNIT_TEST(testMisspelledKeyInDropInNamesTheDropIn);
    CPPUNIT_TEST(testBadValueAndUnknownServiceAreAllReported);
    CPPUNIT_TEST(testVersionAndHelp);
    CPPUNIT_TEST_SUITE_END();

public:
    void testShippedConfigurationIsValid()
    {
        std::string out;
        int rc = validate(test::sourceDir() + "/conf/eventbusd.properties", out);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, rc);
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "configuration OK"));
    }

    void testMisspelledKeyExitsOneNamingFileAndKey()
    {
        test::ScratchDir dir;
        std::string config = dir.file("eventbusd.properties");
        test::writeFile(config, "service.local.url = file:events.jsonl\neventbusd.drain_timout = 5\n");
        std::string out;
        int rc = validate(config, out);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 1, rc);
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, config + ":eventbusd.drain_timout: unknown key (did you mean eventbusd.drain_timeout?)"));
    }

    void testMisspelledKeyInDropInNamesTheDropIn()
    {
        test::ScratchDir dir;
        std::string config = dir.file("eventbusd.properties");
        test::writeFile(config, "service.local.url = file:events.jsonl\neventbusd.plugin_dir = " + test::buildDir() +
                                    "/tests/plugins\n");
        ::mkdir(dir.file("conf.d").c_str(), 0755);
        std::string dropIn = dir.file("conf.d/test-echo.properties");
        test::writeFile(dropIn, "plugin.test-echo.enabled = true\nplugin.test-echo.http_rout = /x\n");
        std::string out;
        int rc = validate(config, out);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 1, rc);
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, dropIn + ":plugin.test-echo.http_rout: unknown key for plugin test-echo"));
    }

    void testBadValueAndUnknownServiceAreAllReported()
    {
        test::ScratchDir dir;
        std::string config = dir.file("eventbusd.properties");
        test::writeFile(config, "service.local.url = file:events.jsonl\n"
                                "service.local.connections = many\n"
                                "eventbusd.default_service = nowhere\n"
                                "service.gate.url = ftp://example/\n");
        std::string out;
        int rc = validate(config, out);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 1, rc);
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, config + ":service.local.connections: not an integer: 'many'"));
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, config + ":eventbusd.default_service: names 'nowhere'"));
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, config + ":service.gate.url: unsupported scheme 'ftp'"));
    }

    void testVersionAndHelp()
    {
        std::string out;
        CPPUNIT_ASSERT_EQUAL(0, test::runCommand(test::daemonPath() + " --version", &out));
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "plugin ABI 1.0"));
        CPPUNIT_ASSERT_EQUAL(0, test::runCommand(test::daemonPath() + " --help", &out));
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "--validate"));
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "--pidfile"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DaemonValidateTest);
