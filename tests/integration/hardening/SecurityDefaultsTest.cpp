// Security defaults (issue 12): listeners on loopback unless configured otherwise, the job runner
// refusing unsigned and forged jobs without ever writing its secret anywhere, and no running as
// root unless told. (Plugin files and folders writable by others: PluginLoaderTest.)
#include "Config.h"
#include "HardeningDaemon.h"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

using namespace eventbus;
using namespace eventbus::test;

namespace {

const std::string kSecret = "hardening-known-secret-4711";
const char* const kJobRoute = "/eventbus/v0/internal/job/execute";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool isLoopback(const std::string& address) { return address.compare(0, 10, "127.0.0.1:") == 0; }

} // namespace

class SecurityDefaultsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SecurityDefaultsTest);
    CPPUNIT_TEST(testListenersDefaultToLoopback);
    CPPUNIT_TEST(testJobRunnerNeedsASecret);
    CPPUNIT_TEST(testJobRunnerRefusesUnsignedJobsAndNeverWritesTheSecret);
    CPPUNIT_TEST(testRootIsRefusedUnlessAllowed);
    CPPUNIT_TEST_SUITE_END();

public:
    void testListenersDefaultToLoopback()
    {
        ScratchDir dir("eventbus-defaults");
        writeFile(dir.file("eventbusd.properties"), "eventbusd.state_dir = " + dir.path() + "\n");
        std::vector<ConfigProblem> problems;
        const Settings s = Config::load(dir.file("eventbusd.properties"), problems);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:9386"), s.admin.listen);
        CPPUNIT_ASSERT_MESSAGE(s.http.listen, isLoopback(s.http.listen));
        CPPUNIT_ASSERT(!s.jobRunner.enabled);
        CPPUNIT_ASSERT(!s.allowRoot);

        // The shipped configuration keeps the admin listener on loopback too.
        problems.clear();
        const Settings shipped = Config::load(sourceDir() + "/conf/eventbusd.properties", problems);
        CPPUNIT_ASSERT_MESSAGE(shipped.admin.listen, isLoopback(shipped.admin.listen));
        CPPUNIT_ASSERT(!shipped.jobRunner.enabled);
    }

    void testJobRunnerNeedsASecret()
    {
        ScratchDir dir("eventbus-defaults");
        writeFile(dir.file("eventbusd.properties"), "eventbusd.state_dir = " + dir.path() + "\njobrunner.enabled = true\n");
        std::vector<ConfigProblem> problems;
        Config::load(dir.file("eventbusd.properties"), problems);
        bool named = false;
        for (const auto& p : problems) named = named || p.key == "jobrunner.secret";
        CPPUNIT_ASSERT_MESSAGE("an enabled job runner without a secret is a configuration error", named);
    }

    void testJobRunnerRefusesUnsignedJobsAndNeverWritesTheSecret()
    {
        HardeningDaemon d("eventbusd.log_level = debug\n"
                          "jobrunner.enabled = true\n"
                          "jobrunner.secret = " + kSecret + "\n");
        d.start();
        const std::string job = R"({"$schema":"/mediawiki/job/1.0.0","meta":{"stream":"mediawiki.job.deletePage",)"
                                R"("id":"b14a2ee4-f5df-40f3-b995-ce6c954e29e3","domain":"en.wikipedia.org"},)"
                                R"("database":"enwiki","type":"deletePage","params":{"namespace":0,"title":"X"})";
        std::string body;
        CPPUNIT_ASSERT_EQUAL(403, httpRequest(d.httpPort, "POST", kJobRoute, job + "}", &body));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "Missing mediawiki signature"));
        const std::string forged = job + R"(,"mediawiki_signature":"93445372feb827956dfdc609c1188c61281a7182"})";
        CPPUNIT_ASSERT_EQUAL(403, httpRequest(d.httpPort, "POST", kJobRoute, forged, &body));
        CPPUNIT_ASSERT_MESSAGE(body, contains(body, "Invalid mediawiki signature"));
        // The secret posted as a signature is refused too, and must not be echoed.
        const std::string secretAsSignature = job + R"(,"mediawiki_signature":")" + kSecret + "\"}";
        CPPUNIT_ASSERT_EQUAL(403, httpRequest(d.httpPort, "POST", kJobRoute, secretAsSignature, &body));
        CPPUNIT_ASSERT_MESSAGE(body, !contains(body, kSecret));

        std::string metrics;
        std::string plugins;
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(d.adminPort, "GET", "/metrics", "", &metrics, ""));
        CPPUNIT_ASSERT_EQUAL(200, httpRequest(d.adminPort, "GET", "/v1/plugins", "", &plugins, ""));
        CPPUNIT_ASSERT(!contains(metrics, kSecret));
        CPPUNIT_ASSERT(!contains(plugins, kSecret));
        std::string validate;
        runCommand(daemonPath() + " --validate --config=" + d.config + " 2>&1", &validate);
        CPPUNIT_ASSERT_MESSAGE(validate, !contains(validate, kSecret));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(15)));
        const std::string log = d.process->log();
        CPPUNIT_ASSERT_MESSAGE(log, contains(log, "debug") || contains(log, "started with"));
        CPPUNIT_ASSERT_MESSAGE("the daemon log holds the job runner secret", !contains(log, kSecret));
    }

    void testRootIsRefusedUnlessAllowed()
    {
        if (::geteuid() != 0) {
            std::cout << "\n  skipped: not running as root, nothing to refuse\n";
            return;
        }
        ScratchDir dir("eventbus-root");
        writeFile(dir.file("eventbusd.properties"), "eventbusd.state_dir = " + dir.path() + "\n"
                                                    "eventbusd.plugin_dir = " + buildDir() + "/tests/plugins\n"
                                                    "service.main.url = file:events.jsonl\n"
                                                    "ingress.http.listen =\nadmin.listen =\n");
        std::string out;
        // timeout: a daemon that wrongly starts must not hang the test.
        const int status = runCommand("timeout 20 " + daemonPath() + " --config=" + dir.file("eventbusd.properties") + " 2>&1", &out);
        CPPUNIT_ASSERT_MESSAGE(out, status != 0 && status != 124);
        CPPUNIT_ASSERT_MESSAGE(out, contains(out, "refusing to run as root"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecurityDefaultsTest);
