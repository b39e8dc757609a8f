// Acceptance 1, the oracle test (Vector's conservation model without Antithesis): 20,000 events
// with unique ids go in over HTTP (50 lines per request) and UDP while the fake EventGate answers
// at random 201, 207 (accepted and error events mixed), 500 in both body shapes, hangs past the
// request timeout and refused or closed connections (it is stopped for moments), and the daemon
// is SIGKILLed at 5 random moments and restarted. The faults go on after the sending until half
// of the backlog went through them (at most 30 s). When they stop, every obligation must have
// reached the fake with identical bytes; duplicates are allowed and printed, with the answers.
//
// Obligations: every event of an HTTP request answered 201; and every event of a UDP burst the
// daemon provably stored. UDP has no answer, so each burst of 50 datagrams is followed by a
// sentinel datagram the plugin rejects: the UDP listener handles datagrams one at a time, each
// only after the previous one's submit returned (stored or counted as dropped), so once
// eventbus_ingress_received_total{listener="udp"} of one daemon process has grown by exactly 51
// since before the burst, with no budget drop counted, the burst is stored. Bursts for which
// that cannot be shown (the daemon was killed or down meanwhile) are sent but not obligations.
#include "FakeEventGate.h"
#include "SpoolDaemon.h"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace eventbus;
using namespace eventbus::test;

namespace {

const std::string UDP_RECEIVED = "eventbus_ingress_received_total{plugin=\"test-echo\",listener=\"udp\"}";
const std::string DROPPED = "eventbus_ingress_dropped_total{plugin=\"test-echo\",reason=\"budget_full\"}";

/// The fake's random behaviour, shared by its handler threads.
class Chaos {
public:
    explicit Chaos(unsigned seed)
        : _random(seed)
    {
    }

    int roll(int sides)
    {
        std::lock_guard<std::mutex> lock(_mutex);
        return std::uniform_int_distribution<int>(0, sides - 1)(_random);
    }

    FakeEventGate::Responder responder()
    {
        auto created = FakeEventGate::created();
        auto mixed = FakeEventGate::judged([this](const FakeEventGate::Request&, size_t) {
            FakeEventGate::Judgement j;
            if (roll(2) == 0) {
                j.kind = FakeEventGate::Kind::Error;
                j.message = "Kafka producer not ready";
            }
            return j;
        });
        auto failedAll = FakeEventGate::judged([](const FakeEventGate::Request&, size_t) {
            return FakeEventGate::Judgement{FakeEventGate::Kind::Error, "Kafka broker down"};
        });
        auto problem = FakeEventGate::problem();
        auto hang = FakeEventGate::hang();
        return [=](const FakeEventGate::Request& request) {
            int r = roll(100);
            if (r < 45)
                return created(request);
            if (r < 65)
                return mixed(request);
            if (r < 75)
                return failedAll(request);
            if (r < 85)
                return problem(request);
            return hang(request);
        };
    }

private:
    std::mutex _mutex;
    std::mt19937 _random;
};

} // namespace

class SpoolOracleTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SpoolOracleTest);
    CPPUNIT_TEST(testEveryAcknowledgedEventArrivesDespiteFaultsAndKills);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryAcknowledgedEventArrivesDespiteFaultsAndKills()
    {
        unsigned seed = std::random_device()();
        std::cout << "\nSpoolOracleTest seed " << seed << std::endl;
        Chaos chaos(seed);
        FakeEventGate::Options options;
        options.hangLimit = std::chrono::milliseconds(1500); // past the daemon's 1 s timeout
        FakeEventGate gate(options);
        gate.start();
        gate.setDefault(chaos.responder());
        SpoolDaemon daemon(gate.url(), "service.eventgate.max_batch_events = 100\n");
        CPPUNIT_ASSERT_MESSAGE(daemon.lastLog(), daemon.start());

        std::atomic<bool> sending{true};
        std::atomic<int> kills{0};
        std::string restartFailure;
        std::thread killer([&] {
            for (int k = 0; k < 5; ++k) {
                auto wait = std::chrono::milliseconds(800 + chaos.roll(1400));
                auto until = std::chrono::steady_clock::now() + wait;
                waitUntil([&] { return !sending || std::chrono::steady_clock::now() >= until; }, wait);
                daemon.kill9();
                ++kills;
                if (!daemon.start()) {
                    restartFailure = daemon.lastLog();
                    return;
                }
            }
        });
        std::atomic<bool> flapping{true};
        std::thread flapper([&] {
            while (flapping) {
                auto up = std::chrono::milliseconds(600 + chaos.roll(900));
                auto until = std::chrono::steady_clock::now() + up;
                waitUntil([&] { return !flapping || std::chrono::steady_clock::now() >= until; }, up);
                gate.stop();
                auto down = std::chrono::milliseconds(50 + chaos.roll(150));
                until = std::chrono::steady_clock::now() + down;
                waitUntil([&] { return std::chrono::steady_clock::now() >= until; }, down);
                gate.start();
            }
        });

        std::map<std::string, std::string> sent; // meta.id -> the exact line
        std::vector<std::string> obligations;
        size_t httpAcked = 0, udpStored = 0, udpUnproven = 0;
        const int rounds = 400, perRound = 50;
        for (int round = 0; round < rounds; ++round) {
            bool udp = round % 5 == 4;
            std::vector<std::string> lines;
            for (int i = 0; i < perRound; ++i) {
                std::string id = (udp ? "u" : "h") + std::to_string(round) + "-" + std::to_string(i);
                lines.push_back(SpoolDaemon::event("test.oracle", id, 40 + (round * 7 + i) % 60));
                sent[id] = lines.back();
            }
            if (!udp) {
                if (daemon.post(lines) == 201) {
                    obligations.insert(obligations.end(), lines.begin(), lines.end());
                    httpAcked += lines.size();
                }
            } else {
                double before = daemon.metric(UDP_RECEIVED);
                if (before < 0)
                    before = 0; // no datagram counted yet by this process (or it is down)
                for (const std::string& line : lines)
                    daemon.sendUdp(line);
                daemon.sendUdp("SENTINEL");
                bool proven = waitUntil([&] { return daemon.metric(UDP_RECEIVED) == before + perRound + 1; },
                                  std::chrono::milliseconds(1500))
                    && daemon.metric(DROPPED) <= 0;
                if (proven) {
                    obligations.insert(obligations.end(), lines.begin(), lines.end());
                    udpStored += lines.size();
                } else {
                    udpUnproven += lines.size();
                }
            }
            // Spreads the sending over the kills rather than finishing before the first one.
            std::this_thread::sleep_for(std::chrono::milliseconds(15));
        }
        sending = false;
        killer.join();
        // Delivery is held back by the backoff while faults go on: keep them going until most of
        // the backlog went through them, so retries, not the quiet end, deliver it.
        waitUntil([&] { return gate.events().size() >= obligations.size() / 2; }, std::chrono::seconds(30));
        flapping = false;
        flapper.join();
        CPPUNIT_ASSERT_MESSAGE(restartFailure, restartFailure.empty());
        CPPUNIT_ASSERT_EQUAL(5, kills.load());
        CPPUNIT_ASSERT_EQUAL(size_t(rounds * perRound), sent.size());

        // The faults stop: everything owed must arrive.
        gate.setDefault(FakeEventGate::created());
        gate.start();
        auto arrivedSet = [&gate] {
            std::set<std::string> s;
            for (const std::string& e : gate.events())
                s.insert(e);
            return s;
        };
        std::vector<std::string> missing;
        waitUntil([&] {
            std::set<std::string> arrived = arrivedSet();
            missing.clear();
            for (const std::string& e : obligations)
                if (!arrived.count(e))
                    missing.push_back(e);
            return missing.empty();
        }, std::chrono::seconds(90));
        CPPUNIT_ASSERT_MESSAGE(std::to_string(missing.size()) + " acknowledged events lost, e.g. "
                + (missing.empty() ? std::string() : missing.front()) + "\n" + daemon.lastLog().substr(0, 4000),
            missing.empty());

        // Integrity: every body the daemon sent is exactly the original lines, joined. A body cut
        // short by a kill or a closed connection does not parse and is not an answerable request.
        size_t requests = 0;
        std::map<int, size_t> statuses; // 0: hung or cut short
        for (const FakeEventGate::Request& request : gate.requests()) {
            ++requests;
            ++statuses[request.status];
            if (request.events.empty())
                continue;
            std::string expected = "[";
            for (size_t i = 0; i < request.ids.size(); ++i) {
                auto line = sent.find(request.ids[i]);
                CPPUNIT_ASSERT_MESSAGE("unknown event " + request.ids[i], line != sent.end());
                expected += (i ? "," : "") + line->second;
            }
            CPPUNIT_ASSERT_MESSAGE("altered bytes in " + request.body.substr(0, 200), request.body == expected + "]");
        }

        // Liveness: a fresh event still flows.
        std::string fresh = SpoolDaemon::event("test.oracle", "fresh");
        CPPUNIT_ASSERT_EQUAL(201, daemon.post({fresh}));
        CPPUNIT_ASSERT(waitUntil([&] { return arrivedSet().count(fresh) == 1; }, std::chrono::seconds(20)));

        std::vector<std::string> all = gate.events();
        size_t unique = arrivedSet().size();
        std::cout << "SpoolOracleTest: sent " << sent.size() << ", obligations " << obligations.size() << " (HTTP acked "
                  << httpAcked << ", UDP proven stored " << udpStored << ", UDP unproven " << udpUnproven << "), kills "
                  << kills.load() << ", requests " << requests << ", accepted " << all.size() << ", unique "
                  << unique << ", duplicates " << (all.size() - unique) << "; answers:";
        for (const auto& [status, count] : statuses)
            std::cout << " " << status << "x" << count;
        std::cout << std::endl;
        CPPUNIT_ASSERT(httpAcked > 0 && udpStored > 0);
        CPPUNIT_ASSERT_EQUAL(0, daemon.terminate());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpoolOracleTest);
