// Batching: bodies are joined serialized events within max bytes and max events; the spec's
// partitioning example (1.5); oversized events are singled out; linger.
#include "Batcher.h"
#include "MemoryStore.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::Batcher;
using eventbus::Event;
using eventbus::MemoryStore;
using eventbus::StoredEvent;
using eventbus::StoreStats;

class BatcherTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(BatcherTest);
    CPPUNIT_TEST(testJoin);
    CPPUNIT_TEST(testSpecPartitioningExample);
    CPPUNIT_TEST(testSingleEventUnderTheMaximum);
    CPPUNIT_TEST(testSingleOversizedEventIsSingledOut);
    CPPUNIT_TEST(testOversizedEventBetweenOthers);
    CPPUNIT_TEST(testNeverExceedsMaxBytes);
    CPPUNIT_TEST(testMaxEvents);
    CPPUNIT_TEST(testTypeAndClientIpSplitBatches);
    CPPUNIT_TEST(testLinger);
    CPPUNIT_TEST_SUITE_END();

public:
    void testJoin()
    {
        std::vector<StoredEvent> events{stored(R"({"a":1})"), stored(R"({"b":2})")};
        CPPUNIT_ASSERT_EQUAL(std::string(R"([{"a":1},{"b":2}])"), Batcher::join(events));
        CPPUNIT_ASSERT_EQUAL(std::string(R"([{"a":1}])"), Batcher::join({events[0]}));
    }

    void testSpecPartitioningExample()
    {
        // Three events whose one-element arrays are 284, 287 and 287 bytes: 856 bytes as one list.
        std::vector<Event> events{event(282), event(285), event(285)};
        std::vector<StoredEvent> all;
        for (const Event& e : events)
            all.push_back(StoredEvent{0, "s", e, 0});
        CPPUNIT_ASSERT_EQUAL(size_t(856), Batcher::join(all).size());
        CPPUNIT_ASSERT_EQUAL(size_t(284), Batcher::join({all[0]}).size());

        std::vector<std::string> bodies = partition(events, limits(1000, 300));
        CPPUNIT_ASSERT_EQUAL(size_t(3), bodies.size());
        CPPUNIT_ASSERT_EQUAL(size_t(284), bodies[0].size());
        CPPUNIT_ASSERT_EQUAL(size_t(287), bodies[1].size());
        CPPUNIT_ASSERT_EQUAL(size_t(287), bodies[2].size());
        CPPUNIT_ASSERT_EQUAL(events[1].json, bodies[1].substr(1, bodies[1].size() - 2));
        CPPUNIT_ASSERT_EQUAL(size_t(2), _partitioned); // two batches were cut by the byte limit

        // With room for two, the first two share a body.
        bodies = partition(events, limits(1000, 572));
        CPPUNIT_ASSERT_EQUAL(size_t(2), bodies.size());
        CPPUNIT_ASSERT_EQUAL(size_t(570), bodies[0].size());
    }

    void testSingleEventUnderTheMaximum()
    {
        std::vector<std::string> bodies = partition({event(100)}, limits(1000, 300));
        CPPUNIT_ASSERT_EQUAL(size_t(1), bodies.size());
        CPPUNIT_ASSERT_EQUAL(size_t(0), _oversized);
        CPPUNIT_ASSERT_EQUAL(size_t(0), _partitioned);
    }

    void testSingleOversizedEventIsSingledOut()
    {
        // The spec's 1302-byte example: the extension sent it anyway; we dead-letter it.
        std::vector<std::string> bodies = partition({event(1300)}, limits(1000, 300));
        CPPUNIT_ASSERT_EQUAL(size_t(1), bodies.size());
        CPPUNIT_ASSERT_EQUAL(size_t(1302), bodies[0].size());
        CPPUNIT_ASSERT_EQUAL(size_t(1), _oversized);
    }

    void testOversizedEventBetweenOthers()
    {
        std::vector<std::string> bodies = partition({event(100), event(1300), event(100), event(100)}, limits(1000, 300));
        CPPUNIT_ASSERT_EQUAL(size_t(3), bodies.size());
        CPPUNIT_ASSERT_EQUAL(size_t(102), bodies[0].size());
        CPPUNIT_ASSERT_EQUAL(size_t(1302), bodies[1].size());
        CPPUNIT_ASSERT_EQUAL(size_t(203), bodies[2].size());
        CPPUNIT_ASSERT_EQUAL(size_t(1), _oversized);
    }

    void testNeverExceedsMaxBytes()
    {
        std::vector<Event> events;
        for (size_t i = 0; i < 200; ++i)
            events.push_back(event(20 + (i * 37) % 180));
        for (size_t maxBytes : {201, 257, 1000, 4096}) {
            std::vector<std::string> bodies = partition(events, limits(1000, maxBytes));
            size_t joined = 0;
            for (const std::string& body : bodies) {
                CPPUNIT_ASSERT(body.size() <= maxBytes);
                joined += body.size() - 1;
            }
            CPPUNIT_ASSERT_EQUAL(size_t(0), _oversized);
            // Every event is in exactly one body: the sizes add up.
            size_t expected = 0;
            for (const Event& e : events)
                expected += e.json.size() + 1;
            CPPUNIT_ASSERT_EQUAL(expected, joined);
        }
    }

    void testMaxEvents()
    {
        std::vector<Event> events(7, event(10));
        std::vector<std::string> bodies = partition(events, limits(3, 4194304));
        CPPUNIT_ASSERT_EQUAL(size_t(3), bodies.size());
        CPPUNIT_ASSERT_EQUAL(size_t(2 + 3 * 10 + 2), bodies[0].size());
        CPPUNIT_ASSERT_EQUAL(size_t(2 + 10), bodies[2].size());
        CPPUNIT_ASSERT_EQUAL(size_t(0), _partitioned);
    }

    void testTypeAndClientIpSplitBatches()
    {
        std::vector<Event> events(4, event(10));
        events[2].type = 2;
        events[0].clientIp = events[1].clientIp = "10.0.0.1";
        events[3].clientIp = "10.0.0.2";
        CPPUNIT_ASSERT_EQUAL(size_t(3), partition(events, limits(100, 1000)).size()); // by type
        Batcher::Limits forwarding = limits(100, 1000);
        forwarding.sameClientIp = true;
        CPPUNIT_ASSERT_EQUAL(size_t(2), partition({events[0], events[1], events[3]}, forwarding).size());
        CPPUNIT_ASSERT_EQUAL(size_t(1), partition({events[0], events[1], events[3]}, limits(100, 1000)).size());
    }

    void testLinger()
    {
        Batcher::Limits l = limits(10, 1000);
        l.lingerUs = 20000;
        Batcher batcher(l);
        StoreStats queue;
        CPPUNIT_ASSERT(!batcher.due(queue, 1000000)); // nothing pending
        queue.pending = 3;
        queue.pendingBytes = 30;
        queue.oldestPendingUs = 1000000;
        CPPUNIT_ASSERT(!batcher.due(queue, 1010000));
        CPPUNIT_ASSERT(batcher.due(queue, 1020000));
        CPPUNIT_ASSERT_EQUAL(int64_t(1020000), batcher.dueAtUs(queue));
        queue.pending = 10; // a full batch does not wait
        CPPUNIT_ASSERT(batcher.due(queue, 1000001));
        queue.pending = 3;
        queue.pendingBytes = 997; // nor does a full body
        CPPUNIT_ASSERT(batcher.due(queue, 1000001));
        queue.pendingBytes = 30;
        queue.oldestPendingUs = 1000000 + 3600000000LL; // stamped an hour ahead: the clock stepped back
        CPPUNIT_ASSERT(batcher.due(queue, 1000001));
    }

private:
    size_t _oversized = 0;
    size_t _partitioned = 0;

    static Batcher::Limits limits(size_t maxEvents, size_t maxBytes)
    {
        Batcher::Limits l;
        l.maxEvents = maxEvents;
        l.maxBytes = maxBytes;
        return l;
    }

    /// An event whose JSON is exactly `size` bytes.
    static Event event(size_t size)
    {
        static int counter = 0;
        Event e;
        e.stream = "test.event";
        e.id = "id-" + std::to_string(++counter);
        std::string head = R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":")" + e.id + R"("},"pad":")";
        std::string tail = "\"}";
        size_t pad = size > head.size() + tail.size() ? size - head.size() - tail.size() : 0;
        e.json = head + std::string(pad, 'x') + tail;
        if (e.json.size() > size)
            e.json = std::string("{") + std::string(size - 2, ' ') + "}";
        return e;
    }

    static StoredEvent stored(const std::string& json)
    {
        StoredEvent s;
        s.event.json = json;
        return s;
    }

    /// Batches as the dispatcher takes them: from a store, one Builder per batch.
    std::vector<std::string> partition(const std::vector<Event>& events, const Batcher::Limits& l)
    {
        MemoryStore store("");
        eventbus::EventStore::Routed routed;
        for (const Event& e : events)
            routed.emplace_back("s", e);
        store.append(std::move(routed));
        Batcher batcher(l);
        std::vector<std::string> bodies;
        _oversized = _partitioned = 0;
        while (store.stats("s").pending > 0) {
            Batcher::Builder builder = batcher.builder();
            std::vector<StoredEvent> batch = store.take("s", [&builder](const Event& e) { return builder.add(e); });
            CPPUNIT_ASSERT_EQUAL(builder.count(), batch.size());
            std::string body = Batcher::join(batch);
            CPPUNIT_ASSERT_EQUAL(builder.bodySize(), body.size());
            if (builder.oversized())
                ++_oversized;
            if (builder.partitioned())
                ++_partitioned;
            std::vector<uint64_t> seqs;
            for (const StoredEvent& s : batch)
                seqs.push_back(s.seq);
            store.ack("s", seqs);
            bodies.push_back(body);
        }
        CPPUNIT_ASSERT_EQUAL(size_t(0), store.size());
        return bodies;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BatcherTest);
