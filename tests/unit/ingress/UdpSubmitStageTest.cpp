// UdpSubmitStage: sets handed by several decoding threads in any order are submitted in the order
// of their turns; an empty set still passes its turn on; the set waiting at destruction is submitted;
// sets handed during a submission join the waiting set up to its limits; a small set lingers for more;
// a UDP listener's limits hold what a fast feed sends during a slow commit.
#include "UdpListener.h"
#include "UdpSubmitStage.h"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
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

using Limits = UdpSubmitStage::Limits;

/// No lingering, and room for every set a test hands.
const Limits kNoLinger{{1024, 1 << 20}, {256, 1 << 18}, std::chrono::microseconds(0)};

std::chrono::steady_clock::time_point deadline(int seconds = 10)
{
    return std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
}

/// Records what is submitted. With gated, a submission waits until open() (as a durable submission
/// waits for its commit), so sets handed meanwhile find one waiting.
struct Submitted {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> ids;
    std::vector<size_t> setDatagrams;
    size_t datagrams = 0;
    size_t sets = 0;
    bool gated = false;
    UdpSubmitStage::Submit recorder()
    {
        return [this](std::vector<Event>&& events, size_t count) {
            std::unique_lock<std::mutex> lock(mutex);
            for (const Event& e : events) ids.push_back(e.id);
            datagrams += count;
            setDatagrams.push_back(count);
            ++sets;
            changed.notify_all();
            changed.wait(lock, [this] { return !gated; });
        };
    }
    bool waitForSets(size_t n, std::chrono::steady_clock::time_point until)
    {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_until(lock, until, [&] { return sets >= n; });
    }
    void open()
    {
        std::lock_guard<std::mutex> lock(mutex);
        gated = false;
        changed.notify_all();
    }
};

/// Opens the gate when a test leaves its scope (declared after the stage, so before the stage's
/// destruction submits what waits): a failed assertion then fails the test instead of hanging it.
struct OpenOnExit {
    Submitted& out;
    ~OpenOnExit() { out.open(); }
};

/// Counts hand() calls that returned, so a test can wait for them with a deadline.
struct Handed {
    std::mutex mutex;
    std::condition_variable changed;
    size_t count = 0;
    void one()
    {
        std::lock_guard<std::mutex> lock(mutex);
        ++count;
        changed.notify_all();
    }
    bool waitFor(size_t n, std::chrono::steady_clock::time_point until)
    {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_until(lock, until, [&] { return count >= n; });
    }
};

} // namespace

class UdpSubmitStageTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UdpSubmitStageTest);
    CPPUNIT_TEST(testSetsHandedInAnyOrderAreSubmittedInTurnOrder);
    CPPUNIT_TEST(testEmptySetPassesItsTurnOn);
    CPPUNIT_TEST(testWaitingSetIsSubmittedAtDestruction);
    CPPUNIT_TEST(testSetsHandedDuringASubmissionJoinTheWaitingSet);
    CPPUNIT_TEST(testWaitingSetGrowsNoFurtherThanItsLimits);
    CPPUNIT_TEST(testSmallSetLingersForMore);
    CPPUNIT_TEST(testSetReachingEnoughGoesWithoutLingering);
    CPPUNIT_TEST(testSetThatCannotJoinEndsTheLinger);
    CPPUNIT_TEST(testBusyMeansASubmissionIsRunning);
    CPPUNIT_TEST(testWithoutLingerEachFreeTurnSubmitsAlone);
    CPPUNIT_TEST(testSubmissionsTakeWaitingSetsUpToEach);
    CPPUNIT_TEST(testBacklogKeepsTurnOrderInSmallSubmissions);
    CPPUNIT_TEST(testListenerLimitsHoldASlowCommitsWorth);
    CPPUNIT_TEST(testListenerWaitingBytesFollowTheMemoryBudget);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSetsHandedInAnyOrderAreSubmittedInTurnOrder()
    {
        // Each round, 6 threads hand turns in a shuffled start order (the later turns often
        // first), as decoding threads that overtake each other do.
        Submitted out;
        std::vector<std::string> expected;
        {
            UdpSubmitStage stage(out.recorder(), kNoLinger);
            std::mt19937 random(7);
            uint64_t next = 0;
            for (int round = 0; round < 200; ++round) {
                std::vector<uint64_t> turns;
                for (int i = 0; i < 6; ++i) turns.push_back(next + i);
                std::shuffle(turns.begin(), turns.end(), random);
                std::vector<std::thread> threads;
                for (uint64_t turn : turns)
                    threads.emplace_back([&stage, turn] { stage.hand(turn, eventsOfTurn(turn, 1 + turn % 3), {1 + turn % 3, 100}); });
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
        // Sets handed while one waited joined it: never more submissions than turns.
        CPPUNIT_ASSERT(out.sets >= 1 && out.sets <= 1200);
    }

    void testEmptySetPassesItsTurnOn()
    {
        Submitted out;
        {
            UdpSubmitStage stage(out.recorder(), kNoLinger);
            std::thread later([&stage] { stage.hand(1, eventsOfTurn(1, 2), {2, 100}); });
            stage.hand(0, {}, {5, 100}); // every datagram of the set rejected, or decoding failed
            later.join();
        }
        CPPUNIT_ASSERT(out.sets >= 1 && out.sets <= 2);
        CPPUNIT_ASSERT_EQUAL(size_t(7), out.datagrams); // the empty set's datagrams are counted too
        CPPUNIT_ASSERT(out.ids == std::vector<std::string>({"1.0", "1.1"}));
    }

    void testWaitingSetIsSubmittedAtDestruction()
    {
        Submitted out;
        {
            UdpSubmitStage stage(out.recorder(), kNoLinger);
            stage.hand(0, eventsOfTurn(0, 3), {3, 100});
        }
        CPPUNIT_ASSERT_EQUAL(size_t(3), out.ids.size());
        CPPUNIT_ASSERT_EQUAL(size_t(1), out.sets);
    }

    void testSubmissionsTakeWaitingSetsUpToEach()
    {
        // While turn 0 is submitted, turns 1 to 5 (2 datagrams each) and turn 6 (5, larger than
        // `each` by itself) wait; submissions then take them 4 datagrams at a time, turn 6 alone.
        Submitted out;
        out.gated = true;
        Handed handed;
        const Limits limits{{100, 1 << 20}, {256, 1 << 18}, std::chrono::microseconds(0), {4, 1 << 20}};
        {
            UdpSubmitStage stage(out.recorder(), limits);
            OpenOnExit opener{out};
            stage.hand(0, eventsOfTurn(0, 2), {2, 100});
            CPPUNIT_ASSERT(out.waitForSets(1, deadline()));
            std::thread hands([&] {
                for (uint64_t turn = 1; turn <= 6; ++turn) {
                    const size_t n = turn == 6 ? 5 : 2;
                    stage.hand(turn, eventsOfTurn(turn, n), {n, 100});
                    handed.one();
                }
            });
            const bool allHanded = handed.waitFor(6, deadline());
            out.open();
            hands.join();
            CPPUNIT_ASSERT(allHanded);
        }
        CPPUNIT_ASSERT(out.setDatagrams == std::vector<size_t>({2, 4, 4, 2, 5}));
        std::vector<std::string> expected;
        for (uint64_t turn = 0; turn <= 6; ++turn)
            for (const Event& e : eventsOfTurn(turn, turn == 6 ? 5 : 2)) expected.push_back(e.id);
        CPPUNIT_ASSERT(out.ids == expected);
    }

    void testBacklogKeepsTurnOrderInSmallSubmissions()
    {
        // Six threads hand 1 to 3 datagrams per turn while submissions of at most 3 take them:
        // order and the bound hold whether or not a backlog forms (that depends on timing; the
        // gated test above makes one for certain).
        Submitted out;
        std::vector<std::string> expected;
        const Limits limits{{64, 1 << 20}, {256, 1 << 18}, std::chrono::microseconds(0), {3, 1 << 20}};
        {
            UdpSubmitStage stage(out.recorder(), limits);
            uint64_t next = 0;
            for (int round = 0; round < 100; ++round) {
                std::vector<std::thread> threads;
                for (uint64_t turn = next; turn < next + 6; ++turn)
                    threads.emplace_back([&stage, turn] { stage.hand(turn, eventsOfTurn(turn, 1 + turn % 3), {1 + turn % 3, 100}); });
                for (auto& t : threads) t.join();
                for (uint64_t turn = next; turn < next + 6; ++turn)
                    for (const Event& e : eventsOfTurn(turn, 1 + turn % 3)) expected.push_back(e.id);
                next += 6;
            }
        }
        CPPUNIT_ASSERT(out.ids == expected);
        for (size_t datagrams : out.setDatagrams) CPPUNIT_ASSERT(datagrams >= 1 && datagrams <= 3);
    }

    void testListenerLimitsHoldASlowCommitsWorth()
    {
        // A durable commit can take 76 ms (see UdpListener.cpp): at 150,000 RC feed datagrams/s of
        // about 500 bytes, 11,400 arrive meanwhile. With the commit held and the default memory
        // budget, 8,000 of them in sets of 32 (the receiving threads' bursts) must be taken without
        // blocking, as 4 MB of 500-byte datagrams; the kernel's buffer (208 KB by default) cannot
        // hold them instead.
        Submitted out;
        out.gated = true;
        Handed handed;
        const size_t sets = 250, perSet = 32;
        {
            UdpSubmitStage stage(out.recorder(), UdpListener::submitLimits(std::chrono::microseconds(0), size_t(256) << 20));
            OpenOnExit opener{out};
            stage.hand(0, eventsOfTurn(0, 1), {1, 500});
            CPPUNIT_ASSERT(out.waitForSets(1, deadline()));
            std::thread hands([&] {
                for (uint64_t turn = 1; turn <= sets; ++turn) {
                    stage.hand(turn, eventsOfTurn(turn, perSet), {perSet, perSet * 500});
                    handed.one();
                }
            });
            const bool allHanded = handed.waitFor(sets, deadline());
            out.open();
            hands.join();
            CPPUNIT_ASSERT_MESSAGE("hand() blocked before 8,000 datagrams waited", allHanded);
        }
        // ... and are submitted 1,024 at a time, as the set a thread gathers at most: a commit's
        // events stay within the spool's cache.
        std::vector<size_t> expected(1, 1);
        for (size_t left = sets * perSet; left > 0; left -= std::min<size_t>(left, 1024))
            expected.push_back(std::min<size_t>(left, 1024));
        CPPUNIT_ASSERT(out.setDatagrams == expected);
        CPPUNIT_ASSERT_EQUAL(size_t(1 + sets * perSet), out.ids.size());
    }

    void testListenerWaitingBytesFollowTheMemoryBudget()
    {
        // A 32nd of the budget, between 1 and 8 MB: what waits stays a small part of a small budget.
        auto waitingBytes = [](size_t budget) {
            return UdpListener::submitLimits(std::chrono::microseconds(0), budget).most.bytes;
        };
        CPPUNIT_ASSERT_EQUAL(size_t(1) << 20, waitingBytes(size_t(1) << 20));
        CPPUNIT_ASSERT_EQUAL(size_t(2) << 20, waitingBytes(size_t(64) << 20));
        CPPUNIT_ASSERT_EQUAL(size_t(8) << 20, waitingBytes(size_t(256) << 20));
        CPPUNIT_ASSERT_EQUAL(size_t(8) << 20, waitingBytes(size_t(1) << 40));
        const auto limits = UdpListener::submitLimits(std::chrono::microseconds(1500), size_t(256) << 20);
        CPPUNIT_ASSERT_EQUAL(size_t(8192), limits.most.datagrams);
        CPPUNIT_ASSERT_EQUAL(1500LL, static_cast<long long>(limits.linger.count()));
    }

    void testSetsHandedDuringASubmissionJoinTheWaitingSet()
    {
        // While turn 0's submission waits (for its commit), turns 1 to 5 are handed: they must not
        // block (each would wait for the one before to be taken) but form the next set together.
        Submitted out;
        out.gated = true;
        Handed handed;
        {
            UdpSubmitStage stage(out.recorder(), kNoLinger);
            OpenOnExit opener{out};
            stage.hand(0, eventsOfTurn(0, 2), {2, 100});
            CPPUNIT_ASSERT(out.waitForSets(1, deadline()));
            std::thread hands([&] {
                for (uint64_t turn = 1; turn <= 5; ++turn) {
                    stage.hand(turn, eventsOfTurn(turn, 2), {2, 100});
                    handed.one();
                }
            });
            const bool allHanded = handed.waitFor(5, deadline());
            out.open();
            hands.join();
            CPPUNIT_ASSERT_MESSAGE("hand() blocked while a set was waiting", allHanded);
        }
        CPPUNIT_ASSERT_EQUAL(size_t(2), out.sets);
        CPPUNIT_ASSERT(out.setDatagrams == std::vector<size_t>({2, 10}));
        std::vector<std::string> expected;
        for (uint64_t turn = 0; turn <= 5; ++turn)
            for (const Event& e : eventsOfTurn(turn, 2)) expected.push_back(e.id);
        CPPUNIT_ASSERT(out.ids == expected);
    }

    void testWaitingSetGrowsNoFurtherThanItsLimits()
    {
        // At most 4 datagrams or 1,000 bytes wait: turns 1 and 2 fill the datagrams, turn 3 must
        // wait for them to be taken; turn 4 would pass the bytes, so it goes after turn 3.
        Submitted out;
        out.gated = true;
        Handed handed;
        const Limits limits{{4, 1000}, {256, 1 << 18}, std::chrono::microseconds(0)};
        {
            UdpSubmitStage stage(out.recorder(), limits);
            OpenOnExit opener{out};
            stage.hand(0, eventsOfTurn(0, 1), {1, 10});
            CPPUNIT_ASSERT(out.waitForSets(1, deadline()));
            std::thread hands([&] {
                stage.hand(1, eventsOfTurn(1, 2), {2, 10});
                handed.one();
                stage.hand(2, eventsOfTurn(2, 2), {2, 10});
                handed.one();
                stage.hand(3, eventsOfTurn(3, 1), {1, 10});
                handed.one();
                stage.hand(4, eventsOfTurn(4, 1), {1, 995});
                handed.one();
            });
            // Turn 3 cannot join; it waits until turn 0's submission ends and the set is taken.
            const bool twoHanded = handed.waitFor(2, deadline());
            out.open();
            const bool allHanded = handed.waitFor(4, deadline());
            hands.join(); // before any assertion: a joinable thread left behind would abort the run
            CPPUNIT_ASSERT(twoHanded);
            CPPUNIT_ASSERT(allHanded);
        }
        CPPUNIT_ASSERT(out.setDatagrams == std::vector<size_t>({1, 4, 1, 1}));
        CPPUNIT_ASSERT_EQUAL(size_t(7), out.ids.size());
    }

    void testSmallSetLingersForMore()
    {
        // A set of one datagram waits up to 60 s for more: nothing is submitted meanwhile (looked
        // at for 200 ms), and the next turn joins it. Destruction ends the wait.
        Submitted out;
        auto stage = std::make_unique<UdpSubmitStage>(out.recorder(),
            Limits{{1024, 1 << 20}, {256, 1 << 18}, std::chrono::seconds(60)});
        stage->hand(0, eventsOfTurn(0, 1), {1, 100});
        const bool early = out.waitForSets(1, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
        stage->hand(1, eventsOfTurn(1, 1), {1, 100});
        const auto stopping = std::chrono::steady_clock::now();
        stage.reset();
        const auto stopped = std::chrono::steady_clock::now();
        CPPUNIT_ASSERT_MESSAGE("a small set was submitted without lingering", !early);
        CPPUNIT_ASSERT(out.setDatagrams == std::vector<size_t>({2}));
        // Well under the 60 s linger: destruction submits at once (even a sanitizer build).
        CPPUNIT_ASSERT(stopped - stopping < std::chrono::seconds(30));
    }

    void testSetReachingEnoughGoesWithoutLingering()
    {
        // Sets of 200 datagrams against enough = 256: the first lingers (up to 60 s), the second
        // makes it 400 and it goes at once. A set of 300 KB (enough = 256 KB) goes at once alone.
        Submitted out;
        {
            UdpSubmitStage stage(out.recorder(), {{1024, 1 << 20}, {256, 1 << 18}, std::chrono::seconds(60)});
            stage.hand(0, eventsOfTurn(0, 200), {200, 1000});
            stage.hand(1, eventsOfTurn(1, 200), {200, 1000});
            CPPUNIT_ASSERT(out.waitForSets(1, deadline()));
            stage.hand(2, eventsOfTurn(2, 3), {3, 300 << 10});
            CPPUNIT_ASSERT(out.waitForSets(2, deadline()));
        }
        CPPUNIT_ASSERT(out.setDatagrams == std::vector<size_t>({400, 3}));
    }

    void testSetThatCannotJoinEndsTheLinger()
    {
        // Turn 0 (500 bytes, below enough) lingers up to 60 s; turn 1 (600 bytes) would take it past
        // most (1,000 bytes), so turn 0 goes at once rather than leaving turn 1 waiting out the linger.
        Submitted out;
        Handed handed;
        bool firstSoon = false;
        {
            UdpSubmitStage stage(out.recorder(), {{1024, 1000}, {256, 900}, std::chrono::seconds(60)});
            stage.hand(0, eventsOfTurn(0, 1), {1, 500});
            std::thread later([&] {
                stage.hand(1, eventsOfTurn(1, 1), {1, 600});
                handed.one();
            });
            firstSoon = out.waitForSets(1, deadline());
            const bool secondHanded = handed.waitFor(1, deadline());
            later.join();
            CPPUNIT_ASSERT(secondHanded);
        }
        CPPUNIT_ASSERT_MESSAGE("a set that could not join waited out the linger", firstSoon);
        CPPUNIT_ASSERT(out.setDatagrams == std::vector<size_t>({1, 1}));
    }

    void testBusyMeansASubmissionIsRunning()
    {
        // A lingering set leaves the submit thread free: busy() is false (so a listener stops
        // gathering at its usual size); during a submission it is true.
        Submitted out;
        out.gated = true;
        UdpSubmitStage stage(out.recorder(), {{1024, 1 << 20}, {256, 1 << 18}, std::chrono::seconds(60)});
        OpenOnExit opener{out};
        stage.hand(0, eventsOfTurn(0, 1), {1, 100});
        CPPUNIT_ASSERT(!stage.busy()); // lingering, nothing submitted
        stage.hand(1, eventsOfTurn(1, 300), {300, 100}); // reaches enough: submitted, held at the gate
        CPPUNIT_ASSERT(out.waitForSets(1, deadline()));
        CPPUNIT_ASSERT(stage.busy());
        out.open();
    }

    void testWithoutLingerEachFreeTurnSubmitsAlone()
    {
        // No linger and a free stage: each set goes as it comes.
        Submitted out;
        {
            UdpSubmitStage stage(out.recorder(), kNoLinger);
            stage.hand(0, eventsOfTurn(0, 1), {1, 100});
            CPPUNIT_ASSERT(out.waitForSets(1, deadline()));
            stage.hand(1, eventsOfTurn(1, 1), {1, 100});
            CPPUNIT_ASSERT(out.waitForSets(2, deadline()));
        }
        CPPUNIT_ASSERT(out.setDatagrams == std::vector<size_t>({1, 1}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UdpSubmitStageTest);
