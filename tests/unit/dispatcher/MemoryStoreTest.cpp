// The in-memory EventStore: atomic appends, per-service queues, in-flight tracking, release in
// original order (also between newer events and other batches still in flight), settling each
// event once, dead letters written with their reason, sizes (taken events are their taker's).
#include "DeadLetterFile.h"
#include "DispatchFixture.h"
#include "MemoryStore.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <cppunit/extensions/HelperMacros.h>

#include <fstream>

using eventbus::DeadLetterFile;
using eventbus::Event;
using eventbus::EventStore;
using eventbus::MemoryStore;
using eventbus::StoredEvent;

class MemoryStoreTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MemoryStoreTest);
    CPPUNIT_TEST(testQueuesPerService);
    CPPUNIT_TEST(testTakeStopsWhereAcceptSaysNo);
    CPPUNIT_TEST(testReleaseKeepsOrderAndCountsAttempts);
    CPPUNIT_TEST(testReleaseBetweenBatches);
    CPPUNIT_TEST(testSettledOnce);
    CPPUNIT_TEST(testUnwritableDeadLettersStayInFlight);
    CPPUNIT_TEST(testSizesAndStats);
    CPPUNIT_TEST(testLongBacklogDrainedInPieces);
    CPPUNIT_TEST(testDeadLetters);
    CPPUNIT_TEST_SUITE_END();

public:
    void testQueuesPerService()
    {
        MemoryStore store("");
        CPPUNIT_ASSERT(store.append({{"a", event("1")}, {"b", event("2")}, {"a", event("3")}}));
        std::vector<StoredEvent> a = takeAll(store, "a");
        CPPUNIT_ASSERT_EQUAL(size_t(2), a.size());
        CPPUNIT_ASSERT_EQUAL(std::string("1"), a[0].event.id);
        CPPUNIT_ASSERT_EQUAL(std::string("3"), a[1].event.id);
        CPPUNIT_ASSERT(a[0].seq < a[1].seq);
        CPPUNIT_ASSERT_EQUAL(std::string("a"), a[0].service);
        CPPUNIT_ASSERT_EQUAL(size_t(1), takeAll(store, "b").size());
        CPPUNIT_ASSERT(takeAll(store, "a").empty()); // in flight, not pending
        CPPUNIT_ASSERT(takeAll(store, "unknown").empty());
    }

    void testTakeStopsWhereAcceptSaysNo()
    {
        MemoryStore store("");
        store.append({{"a", event("1")}, {"a", event("2")}, {"a", event("3")}});
        size_t offered = 0;
        std::vector<StoredEvent> taken = store.take("a", [&offered](const Event&) { return ++offered <= 2; });
        CPPUNIT_ASSERT_EQUAL(size_t(2), taken.size());
        CPPUNIT_ASSERT_EQUAL(size_t(1), store.stats("a").pending);
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.stats("a").inFlight);
    }

    void testReleaseKeepsOrderAndCountsAttempts()
    {
        MemoryStore store("");
        store.append({{"a", event("1")}, {"a", event("2")}});
        std::vector<StoredEvent> first = takeAll(store, "a");
        store.append({{"a", event("3")}});
        store.release("a", {first[1], first[0]});
        std::vector<StoredEvent> again = takeAll(store, "a");
        CPPUNIT_ASSERT_EQUAL(size_t(3), again.size());
        CPPUNIT_ASSERT_EQUAL(std::string("1"), again[0].event.id); // released events before newer ones
        CPPUNIT_ASSERT_EQUAL(std::string("2"), again[1].event.id);
        CPPUNIT_ASSERT_EQUAL(std::string("3"), again[2].event.id);
        CPPUNIT_ASSERT_EQUAL(1, again[0].attempts);
        CPPUNIT_ASSERT_EQUAL(0, again[2].attempts);
        store.release("a", {stored(12345, "x")}); // unknown: ignored
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.stats("a").pending);
        store.ack("a", {again[0].seq, again[1].seq, again[2].seq});
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.size());
    }

    void testReleaseBetweenBatches()
    {
        MemoryStore store("");
        store.append({{"a", event("1")}, {"a", event("2")}, {"a", event("3")}, {"a", event("4")}, {"a", event("5")}});
        std::vector<StoredEvent> first = take(store, "a", 2);
        std::vector<StoredEvent> second = take(store, "a", 2);
        store.release("a", std::vector<StoredEvent>(first)); // ahead of 5
        store.release("a", std::vector<StoredEvent>(second)); // between 2 and 5
        CPPUNIT_ASSERT_EQUAL(size_t(5), store.stats("a").pending);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"1", "2", "3", "4", "5"}), ids(take(store, "a", 5)));

        // Taken again while a later batch is in flight: both stay in flight until settled.
        MemoryStore other("");
        other.append({{"a", event("1")}, {"a", event("2")}, {"a", event("3")}, {"a", event("4")}, {"a", event("5")}});
        first = take(other, "a", 2);
        second = take(other, "a", 2);
        other.release("a", std::vector<StoredEvent>(first));
        std::vector<StoredEvent> third = take(other, "a", 3);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"1", "2", "5"}), ids(third));
        CPPUNIT_ASSERT_EQUAL(size_t(5), other.stats("a").inFlight);
        other.release("a", std::vector<StoredEvent>(second));
        other.ack("a", {third[0].seq, third[2].seq});
        CPPUNIT_ASSERT_EQUAL(size_t(1), other.stats("a").inFlight);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"3", "4"}), ids(take(other, "a", 5)));
        CPPUNIT_ASSERT_EQUAL(size_t(3), other.size());

        // Batches in flight out of seq order: releasing one event of each finds both.
        MemoryStore mixed("");
        mixed.append({{"a", event("1")}, {"a", event("2")}, {"a", event("3")}, {"a", event("4")}, {"a", event("5")}});
        first = take(mixed, "a", 2);
        second = take(mixed, "a", 2);
        mixed.release("a", std::vector<StoredEvent>(first));
        third = take(mixed, "a", 3); // 1 2 5, while 3 4 are in flight
        mixed.release("a", {third[0], second[0]});
        CPPUNIT_ASSERT_EQUAL(size_t(2), mixed.stats("a").pending);
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"1", "3"}), ids(take(mixed, "a", 5)));
    }

    void testSettledOnce()
    {
        std::string directory = Poco::TemporaryFile::tempName();
        std::string path = directory + "/dead-letters.jsonl";
        MemoryStore store(path);
        store.append({{"a", event("1")}, {"a", event("2")}, {"a", event("3")}});
        std::vector<StoredEvent> taken = takeAll(store, "a");
        store.ack("a", {taken[0].seq, taken[0].seq});
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.size());
        // Acknowledged already: neither requeued nor dead-lettered, and left to the caller; the
        // same event twice is one.
        std::vector<StoredEvent> back{taken[0], taken[1], taken[1]};
        store.release("a", std::move(back));
        CPPUNIT_ASSERT_EQUAL(size_t(1), store.stats("a").pending);
        CPPUNIT_ASSERT_EQUAL(taken[0].event.json, back[0].event.json);
        CPPUNIT_ASSERT(back[1].event.json.empty() != back[2].event.json.empty()); // one of the two taken back
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.size());
        store.deadLetter("a", {taken[0], taken[2]}, "why");
        CPPUNIT_ASSERT_EQUAL(size_t(1), store.size());
        store.deadLetter("a", {taken[2]}, "again");
        CPPUNIT_ASSERT_EQUAL(size_t(1), store.size());
        std::vector<std::string> written;
        {
            std::ifstream in(path);
            for (std::string line; std::getline(in, line);)
                written.push_back(line);
        }
        Poco::File(directory).remove(true);
        CPPUNIT_ASSERT_EQUAL(size_t(1), written.size());
        CPPUNIT_ASSERT_EQUAL(DeadLetterFile::format("why", "a", "s", event("3").json), written[0]);
    }

    void testSizesAndStats()
    {
        MemoryStore store("");
        Event e = event("1");
        e.ingressUs = 42;
        store.append({{"a", e}, {"a", event("2")}});
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.size());
        CPPUNIT_ASSERT_EQUAL(2 * EventStore::footprint(e), store.heldBytes());
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.stats("a").pending);
        CPPUNIT_ASSERT_EQUAL(2 * e.json.size(), store.stats("a").pendingBytes);
        CPPUNIT_ASSERT_EQUAL(int64_t(42), store.stats("a").oldestPendingUs);
        std::vector<StoredEvent> taken = takeAll(store, "a");
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.stats("a").pendingBytes);
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.size()); // in flight still counts
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.heldBytes()); // the taker holds them now
        store.ack("a", {taken[0].seq});
        CPPUNIT_ASSERT_EQUAL(size_t(1), store.size());
        store.release("a", {taken[1]});
        CPPUNIT_ASSERT_EQUAL(EventStore::footprint(taken[1].event), store.heldBytes());
        CPPUNIT_ASSERT_EQUAL(taken[1].event.json.size(), store.stats("a").pendingBytes);
    }

    // A backlog of tens of thousands, taken in batches while more arrive and some are released:
    // the never-taken queue reclaims its taken slots and shrinks as it goes, and every event is
    // still handed out once, in order, with the stats right.
    void testLongBacklogDrainedInPieces()
    {
        MemoryStore store("");
        int appended = 0;
        auto appendSome = [&](int n) {
            MemoryStore::Routed batch;
            for (int i = 0; i < n; ++i)
                batch.emplace_back("a", event(std::to_string(appended++)));
            store.append(std::move(batch));
        };
        appendSome(30000);
        std::vector<std::string> seen;
        int round = 0;
        while (store.stats("a").pending > 0) {
            std::vector<StoredEvent> batch = take(store, "a", 700);
            CPPUNIT_ASSERT(!batch.empty());
            if (round % 5 == 1) { // delivery failed: back ahead of the rest, taken next round
                store.release("a", std::move(batch));
            } else {
                for (const StoredEvent& e : batch)
                    seen.push_back(e.event.id);
                store.ack("a", EventStore::seqsOf(batch));
            }
            if (round < 40)
                appendSome(300);
            ++round;
            CPPUNIT_ASSERT_EQUAL(size_t(appended) - seen.size(), store.size());
            CPPUNIT_ASSERT_EQUAL(size_t(appended) - seen.size(), store.stats("a").pending);
        }
        CPPUNIT_ASSERT_EQUAL(size_t(30000 + 40 * 300), seen.size());
        std::vector<std::string> expected;
        for (int i = 0; i < appended; ++i)
            expected.push_back(std::to_string(i));
        CPPUNIT_ASSERT(seen == expected);
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.size());
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.heldBytes());
    }

    void testDeadLetters()
    {
        std::string directory = Poco::TemporaryFile::tempName();
        std::string path = directory + "/state/dead-letters.jsonl"; // created on the first letter
        {
            MemoryStore store(path);
            Event e = event("1");
            e.stream = "mediawiki.job.\"quoted\"";
            store.append({{"a", e}, {"a", event("2")}});
            std::vector<StoredEvent> taken = takeAll(store, "a");
            store.deadLetter("a", {taken[0]}, "line1\nline2 \"why\"");
            CPPUNIT_ASSERT_EQUAL(size_t(1), store.size());
        }
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        Poco::File(directory).remove(true);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"reason":"line1\nline2 \"why\"","service":"a","stream":"mediawiki.job.\"quoted\"","event":)")
                + event("1").json + "}",
            line);
        CPPUNIT_ASSERT_EQUAL(line, DeadLetterFile::format("line1\nline2 \"why\"", "a", "mediawiki.job.\"quoted\"", event("1").json));
    }

    void testUnwritableDeadLettersStayInFlight()
    {
        const std::string blocker = Poco::TemporaryFile::tempName();
        std::ofstream(blocker) << "not a folder";
        MemoryStore store(blocker + "/dead-letters.jsonl");
        store.append({{"a", event("1")}, {"a", event("2")}});
        std::vector<StoredEvent> taken = takeAll(store, "a");
        std::vector<StoredEvent> letters(taken);
        CPPUNIT_ASSERT_THROW(store.deadLetter("a", std::move(letters), "why"), std::exception);
        Poco::File(blocker).remove();
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.size());
        CPPUNIT_ASSERT_EQUAL(size_t(2), store.stats("a").inFlight);
        CPPUNIT_ASSERT_EQUAL(taken[1].event.json, letters[1].event.json); // still the caller's
        store.release("a", std::move(letters));
        CPPUNIT_ASSERT_EQUAL((std::vector<std::string>{"1", "2"}), ids(takeAll(store, "a")));
    }

private:
    static Event event(const std::string& id)
    {
        Event e;
        e.id = id;
        e.stream = "s";
        e.json = R"({"meta":{"id":")" + id + R"(","stream":"s"}})";
        return e;
    }

    static std::vector<StoredEvent> takeAll(MemoryStore& store, const std::string& service)
    {
        return store.take(service, [](const Event&) { return true; });
    }

    static std::vector<StoredEvent> take(MemoryStore& store, const std::string& service, size_t count)
    {
        size_t offered = 0;
        return store.take(service, [&offered, count](const Event&) { return ++offered <= count; });
    }

    static StoredEvent stored(uint64_t seq, const std::string& id)
    {
        StoredEvent s;
        s.seq = seq;
        s.service = "a";
        s.event = event(id);
        return s;
    }

    static std::vector<std::string> ids(const std::vector<StoredEvent>& events)
    {
        std::vector<std::string> result;
        for (const StoredEvent& e : events)
            result.push_back(e.event.id);
        return result;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MemoryStoreTest);
