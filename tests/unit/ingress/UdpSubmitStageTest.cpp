// UdpSubmitStage: sets handed by several decoding threads in any order are submitted in the order
// of their turns; an empty set still passes its turn on; the set waiting at destruction is submitted.
#include "UdpSubmitStage.h"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace eventbus;

namespace {

std::vector<Event> eventsOfTurn(uint64_t turn, size_t count)
{
    std::vector<Event> events(count);
    for (size_t i = 0; i < count; ++i)
        events[i].id = std::to_string(turn) + "." + std::to_string(i);
    return events;
}

struct Submitted {
    std::mutex mutex;
    std::vector<std::string> ids;
    size_t datagrams = 0;
    size_t sets = 0;
    UdpSubmitStage::Submit recorder()
    {
        return [this](std::vector<Event>&& events, size_t count) {
            std::lock_guard<std::mutex> lock(mutex);
            for (const Event& e : events) ids.push_back(e.id);
            datagrams += count;
            ++sets;
        };
    }
};

} // namespace

class UdpSubmitStageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UdpSubmitStageTest);
    CPPUNIT_TEST(testSetsHandedInAnyOrderAreSubmittedInTurnOrder);
    CPPUNIT_TEST(testEmptySetPassesItsTurnOn);
    CPPUNIT_TEST(testWaitingSetIsSubmittedAtDestruction);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSetsHandedInAnyOrderAreSubmittedInTurnOrder()
    {
        // Each round, 6 threads hand turns in a shuffled start order (the later turns often
        // first), as decoding threads that overtake each other do.
        Submitted out;
        std::vector<std::string> expected;
        {
            UdpSubmitStage stage(out.recorder());
            std::mt19937 random(7);
            uint64_t next = 0;
            for (int round = 0; round < 200; ++round) {
                std::vector<uint64_t> turns;
                for (int i = 0; i < 6; ++i) turns.push_back(next + i);
                std::shuffle(turns.begin(), turns.end(), random);
                std::vector<std::thread> threads;
                for (uint64_t turn : turns)
                    threads.emplace_back([&stage, turn] { stage.hand(turn, eventsOfTurn(turn, 1 + turn % 3), 1 + turn % 3); });
                for (auto& t : threads) t.join();
                for (int i = 0; i < 6; ++i)
                    for (const Event& e : eventsOfTurn(next + i, 1 + (next + i) % 3)) expected.push_back(e.id);
                next += 6;
            }
        }
        CPPUNIT_ASSERT_EQUAL(expected.size(), out.ids.size());
        for (size_t i = 0; i < expected.size(); ++i)
            CPPUNIT_ASSERT_EQUAL_MESSAGE("event " + std::to_string(i), expected[i], out.ids[i]);
        CPPUNIT_ASSERT_EQUAL(expected.size(), out.datagrams);
        CPPUNIT_ASSERT_EQUAL(size_t(1200), out.sets);
    }

    void testEmptySetPassesItsTurnOn()
    {
        Submitted out;
        {
            UdpSubmitStage stage(out.recorder());
            std::thread later([&stage] { stage.hand(1, eventsOfTurn(1, 2), 2); });
            stage.hand(0, {}, 5); // every datagram of the set rejected, or decoding failed
            later.join();
        }
        CPPUNIT_ASSERT_EQUAL(size_t(2), out.sets);
        CPPUNIT_ASSERT_EQUAL(size_t(7), out.datagrams); // the empty set's datagrams are counted too
        CPPUNIT_ASSERT(out.ids == std::vector<std::string>({"1.0", "1.1"}));
    }

    void testWaitingSetIsSubmittedAtDestruction()
    {
        Submitted out;
        {
            UdpSubmitStage stage(out.recorder());
            stage.hand(0, eventsOfTurn(0, 3), 3);
        }
        CPPUNIT_ASSERT_EQUAL(size_t(3), out.ids.size());
        CPPUNIT_ASSERT_EQUAL(size_t(1), out.sets);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UdpSubmitStageTest);
