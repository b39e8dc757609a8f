// Acceptance 4: a spool file with a damaged record (bytes flipped on disk while the daemon was
// stopped): eventbus-spool check reports it, the daemon starts, quarantines that record, counts
// it, and delivers the others. A file that is not a spool at all is renamed aside and replaced,
// and the daemon keeps serving.
#include "FakeEventGate.h"
#include "SpoolDaemon.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>

using namespace eventbus;
using namespace eventbus::test;

namespace {

/// Flips one byte of marker wherever the file holds it; returns how many copies were changed.
int flip(const std::string& path, const std::string& marker)
{
    std::string bytes = readFile(path);
    int changed = 0;
    for (size_t at = bytes.find(marker); at != std::string::npos; at = bytes.find(marker, at + 1)) {
        bytes[at + marker.size() - 1] ^= 0x01;
        ++changed;
    }
    if (changed)
        writeFile(path, bytes);
    return changed;
}

} // namespace

class SpoolCorruptionTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SpoolCorruptionTest);
    CPPUNIT_TEST(testDamagedRecordIsQuarantinedAndTheRestDelivered);
    CPPUNIT_TEST(testFileThatIsNoSpoolIsMovedAsideAndReplaced);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDamagedRecordIsQuarantinedAndTheRestDelivered()
    {
        FakeEventGate gate;
        gate.start();
        std::string url = gate.url();
        gate.stop();
        SpoolDaemon daemon(url);
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        std::vector<std::string> lines;
        for (int i = 0; i < 20; ++i)
            lines.push_back(SpoolDaemon::event("test.corrupt", "c" + std::to_string(i)));
        const std::string marker = "DAMAGE-ME-HERE";
        std::string victim = R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.corrupt","id":"victim",)"
                             R"("dt":"2026-01-01T00:00:00Z"},"pad":")" + marker + "\"}";
        lines.insert(lines.begin() + 7, victim);
        CPPUNIT_ASSERT_EQUAL(201, daemon.post(lines));
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate()); // EventGate is down: all 21 stay stored

        int flipped = flip(daemon.spoolFile(), marker) + flip(daemon.spoolFile() + "-wal", marker);
        CPPUNIT_ASSERT_EQUAL(1, flipped);
        std::string checked;
        int status = runCommand(buildDir() + "/bin/eventbus-spool --spool-dir=" + daemon.spoolDir() + " check", &checked);
        CPPUNIT_ASSERT_MESSAGE(checked, status != 0);
        CPPUNIT_ASSERT_MESSAGE(checked, checked.find("\"events_checked\":21,\"checksum_mismatches\":1,") != std::string::npos);

        gate.start();
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(),
            gate.waitForEvents(20, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
        CPPUNIT_ASSERT(waitUntil([&] {
            return daemon.metric("eventbus_spool_quarantined_total{event_service_name=\"eventgate\"}") == 1;
        }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT(daemon.process().waitForLog("quarantining stored event", std::chrono::seconds(1)));
        std::set<std::string> arrived;
        for (const std::string& e : gate.events()) {
            CPPUNIT_ASSERT_MESSAGE("the damaged record was delivered", e.find("DAMAGE-ME-HER") == std::string::npos);
            arrived.insert(e);
        }
        for (size_t i = 0; i < lines.size(); ++i)
            if (i != 7)
                CPPUNIT_ASSERT_MESSAGE("lost: " + lines[i], arrived.count(lines[i]));
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }

    void testFileThatIsNoSpoolIsMovedAsideAndReplaced()
    {
        FakeEventGate gate;
        gate.start();
        SpoolDaemon daemon(gate.url());
        runCommand("mkdir -p " + daemon.spoolDir());
        writeFile(daemon.spoolFile(), std::string(16384, '\x5a'));
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());
        CPPUNIT_ASSERT_EQUAL(1.0, daemon.metric("eventbus_spool_files_quarantined_total{event_service_name=\"eventgate\"}"));
        std::string listing;
        runCommand("ls " + daemon.spoolDir(), &listing);
        CPPUNIT_ASSERT_MESSAGE(listing, listing.find("eventgate.db.corrupt-") != std::string::npos);
        std::string event = SpoolDaemon::event("test.corrupt", "fresh");
        CPPUNIT_ASSERT_EQUAL(201, daemon.post({event}));
        CPPUNIT_ASSERT(gate.waitForEvents(1, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(event, gate.events().front());
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpoolCorruptionTest);
