// Acceptance 5: the daemon is killed with events spooled (so the WAL and shared-memory files are
// left behind, as after a crash), then restarted with invalid configurations: a bad spool key, a
// bad plugin key, and a routing error only the dispatcher detects. Each exits non-zero and leaves
// every byte of the spool folder as it was; the good configuration then delivers everything.
// --validate, run first, must not create the spool at all.
#include "FakeEventGate.h"
#include "SpoolDaemon.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <cppunit/extensions/HelperMacros.h>

#include <map>
#include <set>

using namespace eventbus;
using namespace eventbus::test;

namespace {

std::map<std::string, std::string> snapshot(const std::string& dir)
{
    std::map<std::string, std::string> files;
    for (Poco::DirectoryIterator it(dir), end; it != end; ++it)
        files[it.name()] = readFile(it->path());
    return files;
}

} // namespace

class SpoolBadConfigRestartTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SpoolBadConfigRestartTest);
    CPPUNIT_TEST(testInvalidConfigurationExitsNonZeroAndLeavesSpoolByteIdentical);
    CPPUNIT_TEST_SUITE_END();

public:
    void testInvalidConfigurationExitsNonZeroAndLeavesSpoolByteIdentical()
    {
        FakeEventGate gate;
        gate.start();
        std::string url = gate.url();
        gate.stop();
        SpoolDaemon daemon(url);
        std::string good = readFile(daemon.configFile());
        std::string validated;
        CPPUNIT_ASSERT_EQUAL(0, runCommand(daemonPath() + " --validate --config=" + daemon.configFile(), &validated));
        CPPUNIT_ASSERT_MESSAGE("--validate created the spool", !Poco::File(daemon.spoolDir()).exists());
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        std::vector<std::string> lines;
        for (int i = 0; i < 20; ++i)
            lines.push_back(SpoolDaemon::event("test.badconfig", "k" + std::to_string(i)));
        CPPUNIT_ASSERT_EQUAL(201, daemon.post(lines));
        daemon.kill9();

        auto before = snapshot(daemon.spoolDir());
        CPPUNIT_ASSERT_MESSAGE("the kill should leave the WAL behind", before.count("eventgate.db-wal"));
        for (const std::string& bad : {std::string("spool.fsync = sometimes\n"),
                 std::string("plugin.test-echo.no_such_key = 1\n"),
                 std::string("eventbusd.stream_config = true\nstream./(/.service = eventgate\n")}) {
            daemon.writeConfig(good + bad);
            DaemonProcess restart(daemon.configFile());
            CPPUNIT_ASSERT_MESSAGE(bad, waitUntil([&] { return !restart.running(); }, std::chrono::seconds(20)));
            CPPUNIT_ASSERT_MESSAGE(bad + restart.log(), restart.exitStatus() != 0);
            CPPUNIT_ASSERT_MESSAGE(bad + restart.log(), restart.log().find("refusing to start") != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE("spool changed by: " + bad, before == snapshot(daemon.spoolDir()));
        }

        daemon.writeConfig(good);
        gate.start();
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        CPPUNIT_ASSERT(gate.waitForEvents(lines.size(), std::chrono::steady_clock::now() + std::chrono::seconds(30)));
        std::set<std::string> arrived;
        for (const std::string& e : gate.events())
            arrived.insert(e);
        for (const std::string& e : lines)
            CPPUNIT_ASSERT_MESSAGE("lost: " + e, arrived.count(e));
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpoolBadConfigRestartTest);
