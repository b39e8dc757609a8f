// Times the relay plugin's decoder alone on the body the load generator sends (100 EventGate
// events of about 500 bytes), without sockets, threads or the rest of the daemon: the figure to
// compare between two builds of RelayDecoder.cpp (run each a few times, alternating).
//
//     eventbus-relay-decode [ROUNDS]      (default 20000 bodies)
#include "EventBatch.h"
#include "RelayDecoder.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

std::string fixedId() { return "00000000-0000-4000-8000-000000000000"; }

double cpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

} // namespace

int main(int argc, char** argv) {
    const long rounds = argc > 1 ? std::atol(argv[1]) : 20000;
    if (rounds <= 0) {
        std::fprintf(stderr, "usage: eventbus-relay-decode [ROUNDS > 0]\n");
        return 2;
    }
    eventbus::bench::EventBatch batch(eventbus::bench::EventBatch::Kind::EventGateEvent, 100, 500, true);
    batch.stamp(1700000000000000, 1);
    const std::string& body = batch.text();
    size_t events = 0;
    const double startCpu = cpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < rounds; ++i) {
        const auto result = eventbus::relay::RelayDecoder::decode(body, "2026-11-29T00:00:00Z", &fixedId);
        if (!result.ok()) {
            std::fprintf(stderr, "decode failed: %s\n", result.error.c_str());
            return 1;
        }
        events += result.events.size();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpuSeconds() - startCpu;
    std::printf("{\"events\":%zu,\"body_bytes\":%zu,\"cpu_us_per_event\":%.3f,\"wall_us_per_event\":%.3f}\n", events,
                body.size(), cpu * 1e6 / double(events), wall * 1e6 / double(events));
    return 0;
}
