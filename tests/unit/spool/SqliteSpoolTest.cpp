// SqliteSpool on real files: the EventStore contract, what survives a reopen, corruption and
// format checks, the disk budget, group commit from many threads, a backlog larger than the
// in-memory window, and dead letters an operator requeued.
#include "MetricsRegistry.h"
#include "SpoolDatabase.h"
#include "SpoolError.h"
#include "SpoolStatement.h"
#include "SpoolInspector.h"
#include "SqliteSpool.h"
#include "TestEnv.h"

#include <Poco/File.h>
#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

using namespace eventbus;

namespace {

const std::string SERVICE = "eventgate";

Event event(const std::string& id, size_t padding = 10)
{
    Event e;
    e.stream = "test.event";
    e.id = id;
    e.json = R"({"meta":{"stream":"test.event","id":")" + id + R"("},"pad":")" + std::string(padding, 'x') + "\"}";
    e.plugin = "test";
    e.clientIp = "127.0.0.1";
    e.ingressUs = 1000;
    return e;
}

EventStore::Routed routed(std::vector<Event> events)
{
    EventStore::Routed out;
    for (Event& e : events)
        out.emplace_back(SERVICE, std::move(e));
    return out;
}

std::vector<StoredEvent> takeAll(EventStore& store)
{
    return store.take(SERVICE, [](const Event&) { return true; });
}

std::vector<uint64_t> seqsOf(const std::vector<StoredEvent>& events)
{
    std::vector<uint64_t> seqs;
    for (const StoredEvent& e : events)
        seqs.push_back(e.seq);
    return seqs;
}

/// The ids in order, comma-separated.
std::string idsOf(const std::vector<StoredEvent>& events)
{
    std::string ids;
    for (const StoredEvent& e : events)
        ids += (ids.empty() ? "" : ",") + e.event.id;
    return ids;
}

} // namespace

class SqliteSpoolTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SqliteSpoolTest);
    CPPUNIT_TEST(testAppendTakeAck);
    CPPUNIT_TEST(testTakeStopsWhereAcceptSaysNo);
    CPPUNIT_TEST(testReleaseRestoresOrderAndCountsAttempts);
    CPPUNIT_TEST(testEverythingNotAckedIsReplayedAfterReopen);
    CPPUNIT_TEST(testDeadLetterKeepsEventAndReason);
    CPPUNIT_TEST(testChecksumMismatchIsQuarantinedAndCounted);
    CPPUNIT_TEST(testNewerFormatIsRefusedAndLeftUntouched);
    CPPUNIT_TEST(testUnreadableFileIsMovedAsideAndReplaced);
    CPPUNIT_TEST(testDiskBudgetRefusesAppendsUntilSpaceFrees);
    CPPUNIT_TEST(testGroupCommitFromManyThreads);
    CPPUNIT_TEST(testBacklogLargerThanWindowKeepsOrderAndBoundedMemory);
    CPPUNIT_TEST(testRequeuedDeadLettersComeBack);
    CPPUNIT_TEST(testDeadLettersUseTheBudgetUntilPurged);
    CPPUNIT_TEST(testSecondSpoolOnSameFolderIsRefused);
    CPPUNIT_TEST(testRandomOperationsAndReopensMatchAModel);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        _dir = std::make_unique<test::ScratchDir>("spool-test");
        _settings = SpoolSettings();
        _settings.dir = _dir->file("spool");
        _settings.requeuePollMs = 20;
    }

    void tearDown() override { _dir.reset(); }

    std::unique_ptr<SqliteSpool> open()
    {
        return std::make_unique<SqliteSpool>(_settings, std::vector<std::string>{SERVICE}, _metrics);
    }

    std::string file() const { return _settings.dir + "/" + SpoolDatabase::fileName(SERVICE); }

    void testAppendTakeAck()
    {
        auto spool = open();
        CPPUNIT_ASSERT(spool->append(routed({event("a"), event("b"), event("c")})));
        StoreStats stats = spool->stats(SERVICE);
        CPPUNIT_ASSERT_EQUAL(size_t(3), stats.pending);
        CPPUNIT_ASSERT_EQUAL(event("a").json.size() * 3, stats.pendingBytes);
        CPPUNIT_ASSERT_EQUAL(int64_t(1000), stats.oldestPendingUs);
        auto taken = takeAll(*spool);
        CPPUNIT_ASSERT_EQUAL(std::string("a,b,c"), idsOf(taken));
        CPPUNIT_ASSERT_EQUAL(event("b").json, taken[1].event.json);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), taken[1].event.clientIp);
        CPPUNIT_ASSERT_EQUAL(size_t(3), spool->stats(SERVICE).inFlight);
        CPPUNIT_ASSERT_EQUAL(size_t(0), spool->stats(SERVICE).pending);
        spool->ack(SERVICE, seqsOf(taken));
        CPPUNIT_ASSERT_EQUAL(size_t(0), spool->size());
        spool.reset();
        spool = open();
        CPPUNIT_ASSERT_EQUAL(size_t(0), spool->size());
        CPPUNIT_ASSERT(takeAll(*spool).empty());
    }

    void testTakeStopsWhereAcceptSaysNo()
    {
        auto spool = open();
        std::vector<Event> events;
        for (int i = 0; i < 600; ++i)
            events.push_back(event("e" + std::to_string(i)));
        CPPUNIT_ASSERT(spool->append(routed(std::move(events))));
        size_t n = 0;
        auto first = spool->take(SERVICE, [&n](const Event&) { return n++ < 300; });
        CPPUNIT_ASSERT_EQUAL(size_t(300), first.size());
        CPPUNIT_ASSERT_EQUAL(size_t(300), spool->stats(SERVICE).pending);
        auto rest = takeAll(*spool);
        CPPUNIT_ASSERT_EQUAL(size_t(300), rest.size());
        CPPUNIT_ASSERT_EQUAL(std::string("e300"), rest.front().event.id);
    }

    void testReleaseRestoresOrderAndCountsAttempts()
    {
        auto spool = open();
        CPPUNIT_ASSERT(spool->append(routed({event("a"), event("b")})));
        auto first = takeAll(*spool);
        CPPUNIT_ASSERT(spool->append(routed({event("c")})));
        spool->release(SERVICE, seqsOf(first));
        auto again = takeAll(*spool);
        CPPUNIT_ASSERT_EQUAL(std::string("a,b,c"), idsOf(again));
        CPPUNIT_ASSERT_EQUAL(1, again[0].attempts);
        CPPUNIT_ASSERT_EQUAL(0, again[2].attempts);
    }

    void testEverythingNotAckedIsReplayedAfterReopen()
    {
        auto spool = open();
        std::vector<Event> events;
        for (int i = 0; i < 5; ++i)
            events.push_back(event("r" + std::to_string(i)));
        CPPUNIT_ASSERT(spool->append(routed(std::move(events))));
        auto taken = spool->take(SERVICE, [](const Event& e) { return e.id < "r3"; });
        CPPUNIT_ASSERT_EQUAL(size_t(3), taken.size());
        spool->ack(SERVICE, {taken[0].seq});
        spool.reset(); // r1, r2 were in flight: they come back, in order, ahead of new events
        spool = open();
        CPPUNIT_ASSERT_EQUAL(size_t(4), spool->size());
        CPPUNIT_ASSERT(spool->append(routed({event("new")})));
        auto replayed = takeAll(*spool);
        CPPUNIT_ASSERT_EQUAL(std::string("r1,r2,r3,r4,new"), idsOf(replayed));
        CPPUNIT_ASSERT_EQUAL(event("r2").json, replayed[1].event.json);
    }

    void testDeadLetterKeepsEventAndReason()
    {
        auto spool = open();
        CPPUNIT_ASSERT(spool->append(routed({event("bad"), event("good")})));
        auto taken = takeAll(*spool);
        spool->deadLetter(SERVICE, {taken[0].seq}, "invalid: missing meta.dt");
        spool->ack(SERVICE, {taken[1].seq});
        CPPUNIT_ASSERT_EQUAL(size_t(0), spool->size());
        spool.reset();
        SpoolDatabase db(file(), SERVICE, false);
        SpoolStatement letters(db.handle(), "SELECT id, reason, body FROM dead_letters");
        CPPUNIT_ASSERT(letters.step());
        CPPUNIT_ASSERT_EQUAL(std::string("bad"), letters.bytes(0));
        CPPUNIT_ASSERT_EQUAL(std::string("invalid: missing meta.dt"), letters.bytes(1));
        CPPUNIT_ASSERT_EQUAL(event("bad").json, letters.bytes(2));
        CPPUNIT_ASSERT(!letters.step());
        CPPUNIT_ASSERT_EQUAL(int64_t(0), db.queryInteger("SELECT count(*) FROM events"));
    }

    void testChecksumMismatchIsQuarantinedAndCounted()
    {
        auto spool = open();
        CPPUNIT_ASSERT(spool->append(routed({event("one"), event("two"), event("three")})));
        spool.reset();
        {
            SpoolDatabase db(file(), SERVICE, false);
            db.exec("UPDATE events SET body = CAST('{\"flipped\":1}' AS BLOB) WHERE id = 'two'");
        }
        spool = open();
        auto taken = takeAll(*spool);
        CPPUNIT_ASSERT_EQUAL(std::string("one,three"), idsOf(taken));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value("eventbus_spool_quarantined_total", {{"event_service_name", SERVICE}}));
        spool->ack(SERVICE, seqsOf(taken));
        spool.reset();
        SpoolDatabase db(file(), SERVICE, false);
        CPPUNIT_ASSERT_EQUAL(int64_t(1), db.queryInteger("SELECT count(*) FROM quarantine WHERE reason = 'checksum mismatch'"));
        CPPUNIT_ASSERT_EQUAL(int64_t(0), db.queryInteger("SELECT count(*) FROM events"));
    }

    void testNewerFormatIsRefusedAndLeftUntouched()
    {
        open().reset();
        {
            SpoolDatabase db(file(), SERVICE, false);
            db.exec("PRAGMA user_version = 99");
        }
        std::string before = test::readFile(file());
        try {
            open();
            CPPUNIT_FAIL("a newer format was opened");
        } catch (const SpoolFormatError& e) {
            CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find("format version 99") != std::string::npos);
        }
        CPPUNIT_ASSERT(before == test::readFile(file()));
    }

    void testUnreadableFileIsMovedAsideAndReplaced()
    {
        Poco::File(_settings.dir).createDirectories();
        test::writeFile(file(), std::string(8192, 'G'));
        auto spool = open();
        CPPUNIT_ASSERT(spool->append(routed({event("fresh")})));
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value("eventbus_spool_files_quarantined_total", {{"event_service_name", SERVICE}}));
        std::string listing;
        test::runCommand("ls " + _settings.dir, &listing);
        CPPUNIT_ASSERT_MESSAGE(listing, listing.find(SpoolDatabase::fileName(SERVICE) + ".corrupt-") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(size_t(1), takeAll(*spool).size());
    }

    void testDiskBudgetRefusesAppendsUntilSpaceFrees()
    {
        _settings.maxBytes = 65536;
        auto spool = open();
        int stored = 0;
        while (spool->append(routed({event("b" + std::to_string(stored), 1000)})))
            ++stored;
        CPPUNIT_ASSERT(stored > 40 && stored < 70);
        CPPUNIT_ASSERT(_metrics.value("eventbus_spool_full_total", {{"event_service_name", SERVICE}}) >= 1);
        auto taken = spool->take(SERVICE, [n = 0](const Event&) mutable { return n++ < 10; });
        spool->ack(SERVICE, seqsOf(taken));
        CPPUNIT_ASSERT(test::waitUntil([&] { return spool->append(routed({event("after", 1000)})); },
            std::chrono::seconds(5)));
    }

    void testGroupCommitFromManyThreads()
    {
        auto spool = open();
        const int threads = 8, perThread = 300;
        std::atomic<int> failures{0};
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t) {
            writers.emplace_back([&, t] {
                for (int i = 0; i < perThread; ++i)
                    if (!spool->append(routed({event("t" + std::to_string(t) + "-" + std::to_string(i))})))
                        ++failures;
            });
        }
        for (std::thread& w : writers)
            w.join();
        CPPUNIT_ASSERT_EQUAL(0, failures.load());
        auto taken = takeAll(*spool);
        CPPUNIT_ASSERT_EQUAL(size_t(threads * perThread), taken.size());
        // Each thread's events keep its order, and none is lost or doubled.
        std::map<int, int> last;
        std::set<std::string> ids;
        for (const StoredEvent& e : taken) {
            ids.insert(e.event.id);
            int t = std::stoi(e.event.id.substr(1));
            int i = std::stoi(e.event.id.substr(e.event.id.find('-') + 1));
            CPPUNIT_ASSERT(!last.count(t) || last[t] < i);
            last[t] = i;
        }
        CPPUNIT_ASSERT_EQUAL(size_t(threads * perThread), ids.size());
    }

    void testBacklogLargerThanWindowKeepsOrderAndBoundedMemory()
    {
        const int total = 90000;
        {
            auto spool = open();
            for (int start = 0; start < total; start += 1000) {
                std::vector<Event> events;
                for (int i = start; i < start + 1000; ++i)
                    events.push_back(event(std::to_string(i), 200));
                CPPUNIT_ASSERT(spool->append(routed(std::move(events))));
            }
            CPPUNIT_ASSERT_EQUAL(size_t(total), spool->stats(SERVICE).pending);
            // Bodies stay on disk: the index holds far less than the 20 MB of events.
            CPPUNIT_ASSERT(spool->heldBytes() < size_t(8) << 20);
            auto some = spool->take(SERVICE, [n = 0](const Event&) mutable { return n++ < 100; });
            spool->ack(SERVICE, seqsOf(some));
        }
        auto spool = open();
        CPPUNIT_ASSERT_EQUAL(size_t(total - 100), spool->size());
        CPPUNIT_ASSERT(spool->append(routed({event("last")})));
        int expected = 100;
        size_t bytes = event("last").json.size();
        for (int i = 100; i < total; ++i)
            bytes += event(std::to_string(i), 200).json.size();
        CPPUNIT_ASSERT_EQUAL(bytes, spool->stats(SERVICE).pendingBytes);
        for (;;) {
            auto batch = spool->take(SERVICE, [n = 0](const Event&) mutable { return n++ < 1000; });
            if (batch.empty())
                break;
            for (const StoredEvent& e : batch) {
                if (expected == total) {
                    CPPUNIT_ASSERT_EQUAL(std::string("last"), e.event.id);
                    ++expected;
                    continue;
                }
                CPPUNIT_ASSERT_EQUAL(std::to_string(expected), e.event.id);
                ++expected;
            }
            spool->ack(SERVICE, seqsOf(batch));
        }
        CPPUNIT_ASSERT_EQUAL(total + 1, expected);
        CPPUNIT_ASSERT_EQUAL(size_t(0), spool->size());
    }

    void testRequeuedDeadLettersComeBack()
    {
        auto spool = open();
        CPPUNIT_ASSERT(spool->append(routed({event("lost")})));
        spool->deadLetter(SERVICE, seqsOf(takeAll(*spool)), "invalid");
        {
            SpoolDatabase operatorConnection(file(), SERVICE, false);
            CPPUNIT_ASSERT(test::waitUntil([&] {
                return operatorConnection.queryInteger("SELECT count(*) FROM dead_letters") == 1;
            }, std::chrono::seconds(5)));
            operatorConnection.exec("UPDATE dead_letters SET requeued = 1");
        }
        CPPUNIT_ASSERT(test::waitUntil([&] { return spool->size() == 1; }, std::chrono::seconds(5)));
        auto back = takeAll(*spool);
        CPPUNIT_ASSERT_EQUAL(size_t(1), back.size());
        CPPUNIT_ASSERT_EQUAL(event("lost").json, back[0].event.json);
        CPPUNIT_ASSERT_EQUAL(1.0, _metrics.value("eventbus_spool_requeued_total", {{"event_service_name", SERVICE}}));
    }

    void testDeadLettersUseTheBudgetUntilPurged()
    {
        _settings.maxBytes = 65536;
        auto spool = open();
        int stored = 0;
        while (spool->append(routed({event("d" + std::to_string(stored), 1000)})))
            ++stored;
        spool->deadLetter(SERVICE, seqsOf(takeAll(*spool)), "invalid");
        CPPUNIT_ASSERT(test::waitUntil([&] { return spool->size() == 0; }, std::chrono::seconds(5)));
        CPPUNIT_ASSERT(!spool->append(routed({event("still-full", 1000)})));
        SpoolInspector inspector(_settings.dir);
        CPPUNIT_ASSERT(test::waitUntil([&] { return inspector.stats(SERVICE).deadLetters == stored; },
            std::chrono::seconds(5)));
        CPPUNIT_ASSERT_EQUAL(size_t(stored), inspector.purge(SERVICE, {}));
        CPPUNIT_ASSERT(test::waitUntil([&] { return spool->append(routed({event("room", 1000)})); },
            std::chrono::seconds(5)));
        CPPUNIT_ASSERT_EQUAL(int64_t(0), inspector.stats(SERVICE).deadLetters);
    }

    void testSecondSpoolOnSameFolderIsRefused()
    {
        auto spool = open();
        CPPUNIT_ASSERT_THROW(open(), std::runtime_error);
    }

    /// Model-based: random appends, takes, acks, releases, dead letters and reopens against a
    /// model of the contract (pending in append order, in flight, gone; a reopen makes everything
    /// in flight pending again). The seed is printed so a failure can be replayed.
    void testRandomOperationsAndReopensMatchAModel()
    {
        unsigned seed = std::random_device()();
        std::mt19937 random(seed);
        auto roll = [&random](int n) { return std::uniform_int_distribution<int>(0, n - 1)(random); };
        std::string context = "seed " + std::to_string(seed);
        std::map<int, std::string> pending, inFlight; // append index -> id, so in seq order
        std::map<std::string, uint64_t> seqOf;
        int appended = 0;
        auto spool = open();
        for (int op = 0; op < 1500; ++op) {
            int kind = roll(100);
            if (kind < 30) {
                std::vector<Event> events;
                for (int i = roll(5); i >= 0; --i) {
                    std::string id = "m" + std::to_string(appended);
                    events.push_back(event(id, size_t(roll(300))));
                    pending[appended++] = id;
                }
                CPPUNIT_ASSERT_MESSAGE(context, spool->append(routed(std::move(events))));
            } else if (kind < 55) {
                int want = 1 + roll(8);
                auto taken = spool->take(SERVICE, [&want](const Event&) { return want-- > 0; });
                for (const StoredEvent& e : taken) {
                    CPPUNIT_ASSERT_MESSAGE(context, !pending.empty());
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(context, pending.begin()->second, e.event.id);
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(context, event(e.event.id, e.event.json.size() - event(e.event.id, 0).json.size()).json, e.event.json);
                    seqOf[e.event.id] = e.seq;
                    inFlight.insert(*pending.begin());
                    pending.erase(pending.begin());
                }
            } else if (kind < 90 && !inFlight.empty()) {
                std::vector<uint64_t> seqs;
                for (auto it = inFlight.begin(); it != inFlight.end();) {
                    if (roll(2)) {
                        seqs.push_back(seqOf[it->second]);
                        if (kind >= 75)
                            pending.insert(*it);
                        it = inFlight.erase(it);
                    } else {
                        ++it;
                    }
                }
                if (kind < 70)
                    spool->ack(SERVICE, seqs);
                else if (kind < 75)
                    spool->deadLetter(SERVICE, seqs, "model");
                else
                    spool->release(SERVICE, seqs);
            } else if (kind >= 97) {
                spool.reset();
                spool = open();
                pending.insert(inFlight.begin(), inFlight.end());
                inFlight.clear();
            }
            StoreStats stats = spool->stats(SERVICE);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context, pending.size(), stats.pending);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context, inFlight.size(), stats.inFlight);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(context, pending.size() + inFlight.size(), spool->size());
        }
        spool.reset();
        spool = open();
        pending.insert(inFlight.begin(), inFlight.end());
        std::string expected;
        for (const auto& [index, id] : pending)
            expected += (expected.empty() ? "" : ",") + id;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(context, expected, idsOf(takeAll(*spool)));
    }

private:
    std::unique_ptr<test::ScratchDir> _dir;
    SpoolSettings _settings;
    MetricsRegistry _metrics;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqliteSpoolTest);
