// The in-memory EventStore: atomic appends, per-service queues, in-flight tracking, release in
// original order, dead letters written with their reason, sizes.
#include "DeadLetterFile.h"
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
    CPPUNIT_TEST(testSizesAndStats);
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
        store.release("a", {first[1].seq, first[0].seq});
        std::vector<StoredEvent> again = takeAll(store, "a");
        CPPUNIT_ASSERT_EQUAL(size_t(3), again.size());
        CPPUNIT_ASSERT_EQUAL(std::string("1"), again[0].event.id); // released events before newer ones
        CPPUNIT_ASSERT_EQUAL(std::string("2"), again[1].event.id);
        CPPUNIT_ASSERT_EQUAL(std::string("3"), again[2].event.id);
        CPPUNIT_ASSERT_EQUAL(1, again[0].attempts);
        CPPUNIT_ASSERT_EQUAL(0, again[2].attempts);
        store.release("a", {12345}); // unknown: ignored
        store.ack("a", {again[0].seq, again[1].seq, again[2].seq});
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.size());
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
        store.ack("a", {taken[0].seq});
        CPPUNIT_ASSERT_EQUAL(size_t(1), store.size());
        CPPUNIT_ASSERT_EQUAL(EventStore::footprint(e), store.heldBytes());
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
            store.deadLetter("a", {taken[0].seq}, "line1\nline2 \"why\"");
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
};

CPPUNIT_TEST_SUITE_REGISTRATION(MemoryStoreTest);
