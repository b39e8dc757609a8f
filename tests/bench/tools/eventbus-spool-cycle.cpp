// The durable spool alone, as the daemon drives it under a steady feed: groups of RC-feed-sized
// events appended (each append returns once committed), taken and acknowledged a few groups
// later, so that acknowledged segments keep freeing pages that later appends reuse. No sockets,
// no plugins: the figure to compare between two builds of the spool (run each a few times,
// alternating, or under `valgrind --tool=callgrind` for instruction counts).
//
//     eventbus-spool-cycle [ROUNDS] [GROUP] [LAG]     (default 400 groups of 1,024 events, lag 2)
//
// The spool's files go to a scratch folder under $TMPDIR (else /tmp): put it on the disk to be
// measured. Events weigh about 1 KB in the spool's 4 MB cache of recent appends, so with groups of
// 1,024 a lag of 3 or less takes every event from memory, as a daemon that keeps up does; at 8
// about half are read back from the file, as when delivery falls behind.
#include "MetricsRegistry.h"
#include "SqliteSpool.h"
#include "SpoolSettings.h"
#include "TestEnv.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

namespace {

double cpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

/// An RC feed change of about 690 bytes of JSON (a record of about 810 bytes in the spool).
eventbus::Event rcEvent(uint64_t n) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llx", static_cast<unsigned long long>(n));
    eventbus::Event e;
    e.stream = "mediawiki.recentchange";
    e.id = id;
    e.json = std::string(R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Bench","request_id":"bench","id":")")
             + id + R"(","dt":"2026-12-07T00:00:00Z","domain":"en.wikipedia.org","stream":"mediawiki.recentchange"},)"
             R"("id":)" + std::to_string(n) + R"(,"type":"edit","namespace":0,"title":"Caf\u00e9 bench","title_url":"https://en.wikipedia.org/wiki/Caf%C3%A9_bench",)"
             R"("comment":"benchmark edit","timestamp":1764547200,"user":"Bench","bot":false,"minor":false,"patrolled":true,)"
             R"("length":{"old":1000,"new":1010},"revision":{"old":1,"new":2},"server_url":"https://en.wikipedia.org",)"
             R"("server_name":"en.wikipedia.org","server_script_path":"/w","wiki":"enwiki","parsedcomment":"benchmark edit"})";
    e.plugin = "rcfeed";
    e.clientIp = "127.0.0.1";
    e.ingressUs = 1;
    return e;
}

} // namespace

int run(int argc, char** argv) {
    const long rounds = argc > 1 ? std::atol(argv[1]) : 400;
    const long group = argc > 2 ? std::atol(argv[2]) : 1024;
    const long lag = argc > 3 ? std::atol(argv[3]) : 2;
    if (rounds < 1 || group < 1 || lag < 0) {
        std::fprintf(stderr, "usage: eventbus-spool-cycle [ROUNDS] [GROUP] [LAG]\n");
        return 2;
    }
    const eventbus::test::ScratchDir dir("eventbus-spool-cycle");
    const std::string service = "eventgate";
    eventbus::SpoolSettings settings;
    settings.dir = dir.path();
    eventbus::MetricsRegistry metrics;
    uint64_t appended = 0, acked = 0;
    const double cpuStart = cpuSeconds();
    const auto wallStart = std::chrono::steady_clock::now();
    {
        eventbus::SqliteSpool spool(settings, {service}, metrics);
        auto takeAndAck = [&] {
            long n = 0;
            auto taken = spool.take(service, [&n, group](const eventbus::Event&) { return n++ < group; });
            spool.ack(service, eventbus::EventStore::seqsOf(taken));
            acked += taken.size();
            return !taken.empty();
        };
        for (long r = 0; r < rounds; ++r) {
            eventbus::EventStore::Routed events;
            events.reserve(static_cast<size_t>(group));
            for (long i = 0; i < group; ++i)
                events.emplace_back(service, rcEvent(appended++));
            if (!spool.append(std::move(events))) {
                std::fprintf(stderr, "append refused at round %ld\n", r);
                return 1;
            }
            if (r >= lag) takeAndAck();
        }
        while (takeAndAck()) {
        }
        if (spool.size() != 0) {
            std::fprintf(stderr, "%zu events left in the spool after every one was acknowledged\n", spool.size());
            return 1;
        }
    }
    const double cpu = cpuSeconds() - cpuStart;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    if (acked != appended) {
        std::fprintf(stderr, "acknowledged %llu of %llu events\n", static_cast<unsigned long long>(acked),
                     static_cast<unsigned long long>(appended));
        return 1;
    }
    std::printf("{\"events\":%llu,\"cpu_us_per_event\":%.3f,\"wall_us_per_event\":%.3f}\n",
                static_cast<unsigned long long>(appended), cpu * 1e6 / double(appended), wall * 1e6 / double(appended));
    return 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "eventbus-spool-cycle: %s\n", e.what());
        return 1;
    }
}
