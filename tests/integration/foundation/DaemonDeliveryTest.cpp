// The daemon end to end on the embedded file: service (issue 2, acceptance 4): events in over
// UDP and HTTP, one JSON line each out, and SIGTERM exits 0 within 5 s having written all.
#include "DaemonProcess.h"
#include "TestEnv.h"

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>
#include <set>

using namespace eventbus;

namespace {

std::string event(const std::string& id)
{
    return R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":")" + id +
           R"(","dt":"2026-01-01T00:00:00Z"},"n":1})";
}

struct Daemon {
    test::ScratchDir dir;
    uint16_t udpPort = test::freeUdpPort();
    uint16_t httpPort = test::freeTcpPort();
    std::string output = dir.file("events.jsonl");
    std::string config = dir.file("eventbusd.properties");
    std::unique_ptr<test::DaemonProcess> process;

    explicit Daemon(const std::string& extra = "")
    {
        test::writeFile(config, "eventbusd.plugin_dir = " + test::buildDir() + "/tests/plugins\n"
                                "eventbusd.state_dir = " + dir.path() + "\n"
                                "service.local.url = file:events.jsonl\n"
                                "service.local.linger_ms = 5\n"
                                "ingress.http.listen = 127.0.0.1:" + std::to_string(httpPort) + "\n"
                                "admin.listen = \n"
                                "plugin.test-echo.enabled = true\n"
                                "plugin.test-echo.udp_listen = 127.0.0.1:" + std::to_string(udpPort) + "\n" + extra);
        process = std::make_unique<test::DaemonProcess>(config);
        CPPUNIT_ASSERT_MESSAGE(process->log(), process->waitForLog("started with 1 plugin", std::chrono::seconds(10)));
    }
};

} // namespace

class DaemonDeliveryTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DaemonDeliveryTest);
    CPPUNIT_TEST(testUdpAndHttpEventsBecomeJsonLines);
    CPPUNIT_TEST(testSigtermWritesEverythingAcceptedAndExitsZero);
    CPPUNIT_TEST(testSeveralUdpThreadsKeepArrivalOrderAndLoseNothing);
    CPPUNIT_TEST(testBadInputIsAnsweredAndDaemonKeepsServing);
    CPPUNIT_TEST(testSecondDaemonOnTheSamePortsIsRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void testUdpAndHttpEventsBecomeJsonLines()
    {
        Daemon d;
        test::sendUdp(d.udpPort, event("udp-1"));
        std::string body;
        int status = test::httpRequest(d.httpPort, "POST", "/test/events", event("http-1"), &body);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 201, status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"ids":["http-1"]})"), body);
        // An id that is not a plain string is answered escaped, as JSON.
        status = test::httpRequest(d.httpPort, "POST", "/test/events", event(R"(q\"b\\s)"), &body);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 201, status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"ids":["q\"b\\s"]})"), body);
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), test::waitUntil([&] { return test::readLines(d.output).size() == 3; },
                                                                 std::chrono::seconds(10)));
        std::set<std::string> lines;
        for (const auto& l : test::readLines(d.output)) lines.insert(l);
        CPPUNIT_ASSERT(lines.count(event("udp-1")));
        CPPUNIT_ASSERT(lines.count(event("http-1")));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }

    void testSigtermWritesEverythingAcceptedAndExitsZero()
    {
        Daemon d;
        std::set<std::string> sent;
        for (int i = 0; i < 300; ++i) {
            std::string id = "u" + std::to_string(i);
            test::sendUdp(d.udpPort, event(id));
            sent.insert(event(id));
        }
        for (int i = 0; i < 100; ++i) {
            std::string id = "h" + std::to_string(i);
            CPPUNIT_ASSERT_EQUAL(201, test::httpRequest(d.httpPort, "POST", "/test/events", event(id)));
            sent.insert(event(id));
        }
        // The last datagrams may still be in the socket when the signal arrives: wait until the
        // daemon has counted them received, which the HTTP answers above bound, then stop at once.
        auto start = std::chrono::steady_clock::now();
        int rc = d.process->stop(SIGTERM, std::chrono::seconds(5));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(d.process->log(), 0, rc);
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
        std::set<std::string> written;
        for (const auto& l : test::readLines(d.output)) written.insert(l);
        for (const auto& e : sent)
            if (e.find("\"h") != std::string::npos) CPPUNIT_ASSERT_MESSAGE(e, written.count(e));
        size_t udpWritten = 0;
        for (const auto& e : written) udpWritten += e.find("\"u") != std::string::npos;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(d.process->log(), size_t(300), udpWritten);
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.process->log().find("drained") != std::string::npos);
    }

    void testSeveralUdpThreadsKeepArrivalOrderAndLoseNothing()
    {
        // One delivery connection, so the file receives batches in the order they were taken.
        Daemon d("ingress.udp.threads = 4\nservice.local.connections = 1\n");
        std::vector<std::string> sent;
        // In rounds of 100 sent back to back (several recvmmsg bursts, so several threads take
        // part), each waited for: a slow (sanitizer) build must not overflow the socket's receive
        // buffer, where the kernel would drop datagrams before any thread sees them.
        for (int round = 0; round < 20; ++round) {
            for (int i = 0; i < 100; ++i) {
                sent.push_back(event("t" + std::to_string(round * 100 + i)));
                test::sendUdp(d.udpPort, sent.back());
            }
            size_t expected = sent.size();
            CPPUNIT_ASSERT_MESSAGE(d.process->log() + " lines: " + std::to_string(test::readLines(d.output).size()),
                                   test::waitUntil([&] { return test::readLines(d.output).size() >= expected; },
                                                   std::chrono::seconds(20)));
        }
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
        std::vector<std::string> lines = test::readLines(d.output);
        CPPUNIT_ASSERT_EQUAL(size_t(2000), lines.size());
        for (size_t i = 0; i < lines.size(); ++i)
            CPPUNIT_ASSERT_EQUAL_MESSAGE("line " + std::to_string(i), sent[i], lines[i]);
    }

    void testBadInputIsAnsweredAndDaemonKeepsServing()
    {
        Daemon d;
        std::string body;
        CPPUNIT_ASSERT_EQUAL(400, test::httpRequest(d.httpPort, "POST", "/test/events", "{not json", &body));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"error":"not a JSON object"})"), body);
        CPPUNIT_ASSERT_EQUAL(404, test::httpRequest(d.httpPort, "POST", "/nowhere", event("x")));
        CPPUNIT_ASSERT_EQUAL(405, test::httpRequest(d.httpPort, "GET", "/test/events", ""));
        CPPUNIT_ASSERT_EQUAL(415, test::httpRequest(d.httpPort, "POST", "/test/events", event("x"), nullptr,
                                                    "application/x-www-form-urlencoded"));
        test::sendUdp(d.udpPort, "garbage");
        CPPUNIT_ASSERT_EQUAL(201, test::httpRequest(d.httpPort, "POST", "/test/events", event("after")));
        CPPUNIT_ASSERT(test::waitUntil([&] { return test::readLines(d.output).size() == 1; }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(event("after"), test::readLines(d.output)[0]);
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }

    void testSecondDaemonOnTheSamePortsIsRefused()
    {
        Daemon first;
        // Same configuration, its own state folder: only the ports clash.
        test::ScratchDir other;
        std::string config = test::readFile(first.config);
        config.replace(config.find(first.dir.path()), first.dir.path().size(), other.path());
        test::writeFile(other.file("eventbusd.properties"), config);
        test::DaemonProcess second(other.file("eventbusd.properties"));
        CPPUNIT_ASSERT(test::waitUntil([&] { return !second.running(); }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT(second.exitStatus() != 0);
        CPPUNIT_ASSERT_MESSAGE(second.log(), second.log().find("cannot listen on") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(201, test::httpRequest(first.httpPort, "POST", "/test/events", event("still-first")));
        CPPUNIT_ASSERT_EQUAL(0, first.process->stop(SIGTERM, std::chrono::seconds(5)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DaemonDeliveryTest);
