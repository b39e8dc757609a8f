// The operator's eventbus-spool beside a running daemon: events EventGate refuses as invalid
// become dead letters in the spool; stats counts them, export prints them as JSON lines with
// their reason and exact bytes, requeue sends them again (the daemon picks them up by itself),
// purge deletes them.
#include "FakeEventGate.h"
#include "SpoolDaemon.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

using namespace eventbus;
using namespace eventbus::test;

namespace {

std::string tool(const SpoolDaemon& daemon, const std::string& arguments)
{
    std::string out;
    int status = runCommand(buildDir() + "/bin/eventbus-spool --spool-dir=" + daemon.spoolDir() + " " + arguments
        + " 2>&1", &out);
    return status == 0 ? out : "exit " + std::to_string(status) + ": " + out;
}

bool statsSay(const SpoolDaemon& daemon, const std::string& fragment)
{
    return tool(daemon, "stats").find(fragment) != std::string::npos;
}

} // namespace

class SpoolCliTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SpoolCliTest);
    CPPUNIT_TEST(testDeadLettersAreCountedExportedRequeuedAndPurged);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDeadLettersAreCountedExportedRequeuedAndPurged()
    {
        FakeEventGate gate;
        gate.start();
        gate.setDefault(FakeEventGate::judged([](const FakeEventGate::Request& request, size_t i) {
            FakeEventGate::Judgement j;
            if (request.ids[i].rfind("bad", 0) == 0) {
                j.kind = FakeEventGate::Kind::Invalid;
                j.message = "'.pad' should be shorter";
            }
            return j;
        }));
        SpoolDaemon daemon(gate.url(), "spool.requeue_poll_ms = 100\n");
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        std::vector<std::string> lines, bad;
        for (int i = 0; i < 10; ++i) {
            lines.push_back(SpoolDaemon::event("test.cli", (i % 3 == 0 ? "bad" : "good") + std::to_string(i)));
            if (i % 3 == 0)
                bad.push_back(lines.back());
        }
        CPPUNIT_ASSERT_EQUAL(201, daemon.post(lines));
        CPPUNIT_ASSERT(gate.waitForEvents(lines.size() - bad.size(), std::chrono::steady_clock::now() + std::chrono::seconds(20)));
        CPPUNIT_ASSERT_MESSAGE(tool(daemon, "stats"),
            waitUntil([&] { return statsSay(daemon, "\"events\":0,") && statsSay(daemon, "\"dead_letters\":4,"); },
                std::chrono::seconds(10)));

        std::string exported = tool(daemon, "export");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(exported, size_t(4), size_t(std::count(exported.begin(), exported.end(), '\n')));
        for (const std::string& line : bad)
            CPPUNIT_ASSERT_MESSAGE(exported, exported.find("\"event\":" + line + "}") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(exported, exported.find("should be shorter") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(exported, exported.find("\"service\":\"eventgate\"") != std::string::npos);

        gate.setDefault(FakeEventGate::created());
        CPPUNIT_ASSERT_EQUAL(std::string("eventgate: 4 dead letter(s) requeued\n"), tool(daemon, "requeue"));
        CPPUNIT_ASSERT(gate.waitForEvents(lines.size(), std::chrono::steady_clock::now() + std::chrono::seconds(20)));
        std::set<std::string> arrived;
        for (const std::string& e : gate.events())
            arrived.insert(e);
        for (const std::string& line : bad)
            CPPUNIT_ASSERT(arrived.count(line));
        CPPUNIT_ASSERT_MESSAGE(tool(daemon, "stats"),
            waitUntil([&] { return statsSay(daemon, "\"dead_letters\":0,"); }, std::chrono::seconds(10)));

        gate.setDefault(FakeEventGate::judged([](const FakeEventGate::Request&, size_t) {
            return FakeEventGate::Judgement{FakeEventGate::Kind::Invalid, "never valid"};
        }));
        CPPUNIT_ASSERT_EQUAL(201, daemon.post({SpoolDaemon::event("test.cli", "doomed")}));
        CPPUNIT_ASSERT(waitUntil([&] { return statsSay(daemon, "\"dead_letters\":1,"); }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(std::string("eventgate: 1 dead letter(s) purged\n"), tool(daemon, "--service=eventgate purge"));
        CPPUNIT_ASSERT(statsSay(daemon, "\"dead_letters\":0,"));
        CPPUNIT_ASSERT(tool(daemon, "bogus").find("exit 2") == 0);
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpoolCliTest);
