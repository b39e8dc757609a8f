// SIGHUP reload: a broken drop-in leaves the old configuration serving and is counted; a good one
// adds a plugin and removes another without dropping events of the unchanged one (issue 8,
// acceptance 3).
#include "OperabilityDaemon.h"
#include "PrometheusText.h"

#include <csignal>
#include <set>

using namespace eventbus;
using namespace eventbus::test;

namespace {

double reloads(OperabilityDaemon& d, const std::string& result)
{
    std::string text;
    d.admin("/metrics", &text);
    auto e = parsePrometheusText(text);
    return e.has("eventbus_config_reloads_total", {{"result", result}})
               ? e.value("eventbus_config_reloads_total", {{"result", result}})
               : 0;
}

} // namespace

class ReloadTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ReloadTest);
    CPPUNIT_TEST(testBrokenDropInKeepsOldConfiguration);
    CPPUNIT_TEST(testGoodReloadAddsAndRemovesPluginsWithoutLosingEvents);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBrokenDropInKeepsOldConfiguration()
    {
        OperabilityDaemon d;
        d.start();
        writeFile(d.dir.file("conf.d/20-broken.properties"), "plugin.test-echo.udp_lisen = 127.0.0.1:1\n");
        ::kill(d.process->pid(), SIGHUP);
        CPPUNIT_ASSERT(waitUntil([&] { return reloads(d, "failure") == 1; }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.process->waitForLog("udp_lisen", std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/test/events", testEvent("after-bad-reload")));
        CPPUNIT_ASSERT(waitUntil([&] { return readLines(d.dir.file("events.jsonl")).size() == 1; }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(0.0, reloads(d, "success"));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }

    void testGoodReloadAddsAndRemovesPluginsWithoutLosingEvents()
    {
        OperabilityDaemon d;
        writeFile(d.dir.file("conf.d/20-b.properties"), "plugin.test-echo-b.enabled = true\n"
                                                        "plugin.test-echo-b.http_route = /b/events\n");
        d.start();
        CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/b/events", testEvent("b-1")));

        // test-echo keeps receiving over UDP the whole time; b goes away, c arrives.
        std::set<std::string> sent;
        auto sendSome = [&](const std::string& tag, int n) {
            for (int i = 0; i < n; ++i) {
                std::string id = tag + std::to_string(i);
                sendUdp(d.udpPort, testEvent(id));
                sent.insert(id);
            }
        };
        sendSome("before-", 200);
        writeFile(d.dir.file("conf.d/20-b.properties"), "plugin.test-echo-b.enabled = false\n");
        writeFile(d.dir.file("conf.d/30-c.properties"), "plugin.test-echo-c.enabled = true\n"
                                                        "plugin.test-echo-c.http_route = /c/events\n");
        ::kill(d.process->pid(), SIGHUP);
        sendSome("during-", 200);
        CPPUNIT_ASSERT(waitUntil([&] { return reloads(d, "success") == 1; }, std::chrono::seconds(10)));
        sendSome("after-", 200);
        CPPUNIT_ASSERT_EQUAL(404, httpRequest(d.httpPort, "POST", "/b/events", testEvent("b-2")));
        CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/c/events", testEvent("c-1")));
        std::string body;
        d.admin("/v1/plugins", &body);
        CPPUNIT_ASSERT_MESSAGE(body, body.find("test-echo-c") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(body, body.find("test-echo-b") == std::string::npos);

        const size_t expected = sent.size() + 2; // + b-1 and c-1
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), waitUntil([&] {
            return readLines(d.dir.file("events.jsonl")).size() >= expected;
        }, std::chrono::seconds(10)));
        std::string all = readFile(d.dir.file("events.jsonl"));
        for (const auto& id : sent) CPPUNIT_ASSERT_MESSAGE(id, all.find("\"" + id + "\"") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReloadTest);
