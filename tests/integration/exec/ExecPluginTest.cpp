// The exec plugin end to end: events from a child script reach the event service, the child is
// restarted with a growing delay each time it crashes, and malformed lines are counted.
#include "DaemonProcess.h"
#include "TestEnv.h"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>
#include <sys/stat.h>

using namespace eventbus;
using namespace eventbus::test;

namespace {

double metric(uint16_t adminPort, const std::string& series)
{
    std::string text;
    httpRequest(adminPort, "GET", "/metrics", "", &text, "");
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

} // namespace

class ExecPluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ExecPluginTest);
    CPPUNIT_TEST(testEventsFromCrashingChildWithGrowingRestartDelay);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEventsFromCrashingChildWithGrowingRestartDelay()
    {
        ScratchDir dir;
        std::string script = dir.file("producer.sh");
        // Each run writes one event, one malformed line and a line on stderr, then crashes.
        writeFile(script, "#!/bin/sh\n"
                          "echo '{\"$schema\":\"/test/event/1.0.0\",\"meta\":{\"stream\":\"test.event\"},\"run\":\"'$$'\"}'\n"
                          "echo 'this is not json'\n"
                          "echo 'producer complaining' >&2\n"
                          "exit 3\n");
        ::chmod(script.c_str(), 0755);
        uint16_t adminPort = freeTcpPort();
        std::string config = dir.file("eventbusd.properties");
        writeFile(config, "eventbusd.state_dir = " + dir.path() + "\n"
                          "service.local.url = file:events.jsonl\n"
                          "service.local.linger_ms = 5\n"
                          "ingress.http.listen =\n"
                          "admin.listen = 127.0.0.1:" + std::to_string(adminPort) + "\n"
                          "plugin.exec.enabled = true\n"
                          "plugin.exec.path = " + buildDir() + "/plugins/exec.so\n"
                          "plugin.exec.command = " + script + "\n");
        DaemonProcess daemon(config);
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), daemon.waitForLog(" started with ", std::chrono::seconds(10)));
        const std::string restarts = "eventbus_exec_restarts_total{plugin=\"exec\",listener=\"stdout\"}";
        const std::string delay = "eventbus_exec_restart_delay_seconds{plugin=\"exec\",listener=\"stdout\"}";
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), waitUntil([&] { return metric(adminPort, restarts) >= 3; }, std::chrono::seconds(20)));
        // 0.2 s, 0.4 s, 0.8 s...: after three restarts the delay has grown past its start.
        CPPUNIT_ASSERT(metric(adminPort, delay) >= 0.8);
        CPPUNIT_ASSERT(waitUntil([&] { return readLines(dir.file("events.jsonl")).size() >= 3; }, std::chrono::seconds(10)));
        const double rejected =
            metric(adminPort, "eventbus_ingress_rejected_total{plugin=\"exec\",reason=\"malformed_json\"}");
        CPPUNIT_ASSERT(rejected >= 3);
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), daemon.log().find("producer complaining") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, daemon.stop(SIGTERM, std::chrono::seconds(5)));
        for (const auto& line : readLines(dir.file("events.jsonl"))) {
            CPPUNIT_ASSERT_MESSAGE(line, line.find("\"stream\":\"test.event\"") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(line, line.find("\"dt\":\"") != std::string::npos);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ExecPluginTest);
