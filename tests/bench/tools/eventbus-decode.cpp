// Times one plugin's decoder alone on the body the load generator sends (100 events of about
// 500 bytes), without sockets, threads or the rest of the daemon: the figure to compare between
// two builds of a decoder (run each a few times, alternating).
//
//     eventbus-decode relay|jobs|rcfeed [ROUNDS]      (default 20000 bodies)
//
// relay: RelayDecoder on EventGate events; jobs: JobSpecDecoder on job specifications (signed,
// as every job event is; the load generator's specifications do not ask for de-duplication, so
// its sha1 is not part of the figure); rcfeed: RcFeedDecoder on the load generator's datagram,
// 100 times per round (a round is then 100 events, as for the others).
#include "EventBatch.h"
#include "JobSpecDecoder.h"
#include "RcFeedDecoder.h"
#include "RelayDecoder.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <string>

namespace {

const char* const kDt = "2026-11-29T00:00:00Z";

std::string fixedId() { return "00000000-0000-4000-8000-000000000000"; }

double cpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

/// Decodes the body once: the number of events, or -1 (with the error printed).
using Decode = std::function<long(const std::string& body)>;

/// What a decoder's result says, as Decode returns it (both decoders' results have ok, error, events).
template <typename Result>
long counted(const Result& result) {
    if (!result.ok()) {
        std::fprintf(stderr, "decode failed: %s\n", result.error.c_str());
        return -1;
    }
    return long(result.events.size());
}

Decode relayDecoder() {
    return [](const std::string& body) { return counted(eventbus::relay::RelayDecoder::decode(body, kDt, &fixedId)); };
}

Decode jobDecoder() {
    eventbus::jobqueue::JobQueueSettings settings;
    settings.secret = "bench-secret";
    settings.serverName = "bench.example.org";
    auto decoder = std::make_shared<eventbus::jobqueue::JobSpecDecoder>(settings);
    eventbus::jobqueue::JobRequestContext context;
    context.requestId = "bench-request";
    context.dt = kDt;
    context.newId = &fixedId;
    return [decoder, context](const std::string& body) { return counted(decoder->decode(body, context)); };
}

/// The datagram is decoded as the listener hands it over: one at a time.
Decode rcfeedDecoder() {
    auto decoder = std::make_shared<eventbus::rcfeed::RcFeedDecoder>("mediawiki.recentchange", "/wiki/$1");
    return [decoder](const std::string& datagram) {
        for (int i = 0; i < 100; ++i) {
            const auto result = decoder->decode(datagram);
            if (!result.ok()) {
                std::fprintf(stderr, "decode failed: %s\n", result.message.c_str());
                return -1L;
            }
        }
        return 100L;
    };
}

} // namespace

int main(int argc, char** argv) {
    using eventbus::bench::EventBatch;
    const bool relay = argc > 1 && std::strcmp(argv[1], "relay") == 0;
    const bool jobs = argc > 1 && std::strcmp(argv[1], "jobs") == 0;
    const bool rcfeed = argc > 1 && std::strcmp(argv[1], "rcfeed") == 0;
    const long rounds = argc > 2 ? std::atol(argv[2]) : 20000;
    if ((!relay && !jobs && !rcfeed) || rounds <= 0 || argc > 3) {
        std::fprintf(stderr, "usage: eventbus-decode relay|jobs|rcfeed [ROUNDS > 0]\n");
        return 2;
    }
    // The load generator's bodies: the sizes its --mode relay, jobs and rcfeed send by default.
    EventBatch batch = relay ? EventBatch(EventBatch::Kind::EventGateEvent, 100, 500, true)
        : jobs               ? EventBatch(EventBatch::Kind::JobSpecification, 100, 200, true)
                             : EventBatch(EventBatch::Kind::RcFeedDatagram, 1, 300, false);
    batch.stamp(1700000000000000, 1);
    const std::string& body = batch.text();
    const Decode decode = relay ? relayDecoder() : jobs ? jobDecoder() : rcfeedDecoder();
    size_t events = 0;
    const double startCpu = cpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < rounds; ++i) {
        const long decoded = decode(body);
        if (decoded < 0) return 1;
        events += size_t(decoded);
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpuSeconds() - startCpu;
    std::printf("{\"events\":%zu,\"body_bytes\":%zu,\"cpu_us_per_event\":%.3f,\"wall_us_per_event\":%.3f}\n", events,
                body.size(), cpu * 1e6 / double(events), wall * 1e6 / double(events));
    return 0;
}
