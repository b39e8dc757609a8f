// eventbus-loadgen: offers ~500-byte events to eventbusd (or straight to a sink) at a fixed rate
// or as fast as possible, each stamped with its send time for the sink's latency figures.
//   --mode rcfeed     RC feed datagrams over UDP (MediaWiki's JSONRCFeedFormatter output)
//   --mode relay      EventGate events, POSTed in JSON arrays of --batch (the relay's intake)
//   --mode jobs       MediaWiki job specifications, POSTed in JSON arrays of --batch
//   --mode baseline   one EventGate event per POST, as the PHP extension sends per web request
// Prints one JSON object with what was sent and answered.
#include "EventBatch.h"
#include "HttpLoadClient.h"
#include "WallClock.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using eventbus::bench::EventBatch;
using eventbus::bench::HttpLoadClient;
using eventbus::bench::wallMicroseconds;
using Clock = std::chrono::steady_clock;

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 // linux/udp.h, Linux 4.18 and later
#endif

namespace {

struct Options {
    std::string mode;
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    std::string path;
    size_t batch = 100;
    double rate = 0;        ///< events per second; 0: as fast as possible
    double duration = 10;   ///< seconds
    int connections = 2;
    bool connectionPerRequest = false;
    size_t eventBytes = 0;  ///< 0: the mode's default
    uint64_t maxEvents = 0; ///< 0: no limit besides the duration
    bool udpGso = true;     ///< rcfeed: one sendmsg per burst, split into datagrams by the kernel
};

/// What all producers sent and got back; merged under a mutex once per producer.
struct Tally {
    std::mutex mutex;
    uint64_t events = 0;   ///< events sent (UDP) or acknowledged with 2xx (HTTP)
    uint64_t requests = 0; ///< datagrams or HTTP requests
    uint64_t failed = 0;   ///< non-2xx answers, transport failures, send errors
    bool udpGso = false;   ///< rcfeed: the datagrams went out through UDP GSO
    std::map<int, uint64_t> statuses;
    std::string lastError;
};

int usage(const std::string& problem)
{
    std::cerr << "eventbus-loadgen: " << problem << "\n"
              << "usage: eventbus-loadgen --mode rcfeed|relay|jobs|baseline --target HOST:PORT [--path P]\n"
                 "       [--batch N] [--rate EVENTS_PER_S (0: max)] [--duration S] [--connections N]\n"
                 "       [--connection-per-request] [--event-bytes N] [--max-events N] [--no-udp-gso]\n";
    return 2;
}

/// How long each producer waits so that together they offer the rate.
class Pacer {
public:
    Pacer(double eventsPerSecond, size_t eventsPerStep)
        : _interval(eventsPerSecond > 0 ? std::chrono::duration<double>(double(eventsPerStep) / eventsPerSecond)
                                        : std::chrono::duration<double>(0))
        , _next(Clock::now())
    {
    }
    /// Sleeps until the next step is due; a late step goes at once and the schedule keeps its
    /// pace (no catch-up burst beyond what is owed).
    void wait()
    {
        if (_interval.count() == 0)
            return;
        const auto now = Clock::now();
        if (now < _next)
            std::this_thread::sleep_until(_next);
        _next += std::chrono::duration_cast<Clock::duration>(_interval);
    }

private:
    std::chrono::duration<double> _interval;
    Clock::time_point _next;
};

void runUdp(const Options& options, Clock::time_point end, Tally& tally)
{
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int buffer = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options.port);
    inet_pton(AF_INET, options.host.c_str(), &address.sin_addr);
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));

    const size_t burst = 64;
    std::vector<EventBatch> datagrams;
    for (size_t i = 0; i < burst; ++i)
        datagrams.emplace_back(EventBatch::Kind::RcFeedDatagram, 1, options.eventBytes, false);
    std::vector<iovec> parts(burst);
    std::vector<mmsghdr> messages(burst);
    // Every datagram has the same length (the stamps are fixed-width), which is what UDP GSO needs:
    // one sendmsg carries a burst, and the kernel hands the receiver separate datagrams, the same
    // bytes sendmmsg sends. It costs the sender a fraction of sendmmsg's per-datagram path through
    // loopback, which on a 2-core machine would otherwise take the daemon's core.
    // The segment size is set on the socket: a kernel that does not know the option refuses it
    // here (one that got it as a per-message option would ignore it and send the burst as one
    // datagram). Bursts stay within 64 segments (older kernels' limit) and 60,000 bytes.
    const size_t datagramBytes = datagrams[0].text().size();
    for (const EventBatch& datagram : datagrams)
        if (datagram.text().size() != datagramBytes)
            throw std::logic_error("RC feed datagrams differ in length: UDP GSO needs equal ones");
    const size_t gsoBurst = std::min(burst, size_t(60000) / datagramBytes);
    bool gso = false;
    if (options.udpGso && gsoBurst >= 2) {
        const int segmentBytes = int(datagramBytes);
        gso = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &segmentBytes, sizeof segmentBytes) == 0;
        if (!gso) {
            std::lock_guard<std::mutex> lock(tally.mutex);
            tally.lastError = std::string("UDP GSO unavailable, sending with sendmmsg: ") + strerror(errno);
        }
    }
    uint64_t sent = 0, failed = 0;
    const auto start = Clock::now();
    while (Clock::now() < end && (options.maxEvents == 0 || sent < options.maxEvents)) {
        size_t due = burst;
        if (options.rate > 0) {
            const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
            const double owed = elapsed * options.rate - double(sent);
            if (owed < 1) {
                std::this_thread::sleep_for(std::chrono::microseconds(100));
                continue;
            }
            due = std::min(burst, size_t(owed));
        }
        if (gso)
            due = std::min(due, gsoBurst);
        if (options.maxEvents > 0)
            due = std::min<uint64_t>(due, options.maxEvents - sent);
        const int64_t now = wallMicroseconds();
        for (size_t i = 0; i < due; ++i) {
            datagrams[i].stamp(now, sent + i);
            parts[i] = {const_cast<char*>(datagrams[i].text().data()), datagrams[i].text().size()};
            messages[i] = mmsghdr{};
            messages[i].msg_hdr.msg_iov = &parts[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int n;
        const char* call = gso ? "sendmsg (GSO)" : "sendmmsg";
        if (gso) {
            msghdr message{};
            message.msg_iov = parts.data();
            message.msg_iovlen = due;
            n = sendmsg(fd, &message, 0) < 0 ? -1 : int(due);
            if (n < 0 && (errno == EINVAL || errno == EIO)) {
                // The route refuses segmentation (its MTU, no checksum offload, IPsec): the burst
                // was not sent, and this and every later one go by sendmmsg.
                const int refusal = errno;
                gso = false;
                const int zero = 0;
                setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero);
                std::lock_guard<std::mutex> lock(tally.mutex);
                tally.lastError = std::string("UDP GSO refused, sending with sendmmsg: ") + strerror(refusal);
                continue;
            }
        } else {
            n = sendmmsg(fd, messages.data(), unsigned(due), 0);
        }
        if (n > 0) {
            sent += uint64_t(n);
        } else {
            // ECONNREFUSED reports an earlier datagram that found no listener: not this one.
            ++failed;
            std::lock_guard<std::mutex> lock(tally.mutex);
            tally.lastError = std::string(call) + ": " + strerror(errno);
        }
    }
    ::close(fd);
    std::lock_guard<std::mutex> lock(tally.mutex);
    tally.events += sent;
    tally.requests += sent;
    tally.failed += failed;
    tally.udpGso = gso;
}

void runHttpProducer(const Options& options, EventBatch::Kind kind, int producer, Clock::time_point end,
    std::atomic<uint64_t>& budget, Tally& tally)
{
    const bool array = true;
    EventBatch batch(kind, options.batch, options.eventBytes, array);
    HttpLoadClient client(options.host, options.port, options.connectionPerRequest);
    Pacer pacer(options.rate / options.connections, options.batch);
    uint64_t events = 0, requests = 0, failed = 0;
    uint64_t sequence = uint64_t(producer) * 1000000000ULL;
    std::map<int, uint64_t> statuses;
    std::string lastError;
    while (Clock::now() < end) {
        if (options.maxEvents > 0) {
            uint64_t left = budget.load();
            do {
                if (left < options.batch)
                    break;
            } while (!budget.compare_exchange_weak(left, left - options.batch));
            if (left < options.batch)
                break;
        }
        pacer.wait();
        batch.stamp(wallMicroseconds(), sequence);
        sequence += options.batch;
        const int status = client.post(options.path, batch.text());
        ++requests;
        ++statuses[status];
        if (status >= 200 && status < 300) {
            events += options.batch;
            continue;
        }
        ++failed;
        lastError = status == 0 ? client.lastError() : "HTTP " + std::to_string(status);
        // Backpressure (503) or a refused connection: back off briefly instead of spinning.
        std::this_thread::sleep_for(std::chrono::milliseconds(status == 503 ? 1 : 10));
    }
    std::lock_guard<std::mutex> lock(tally.mutex);
    tally.events += events;
    tally.requests += requests;
    tally.failed += failed;
    for (const auto& [status, count] : statuses)
        tally.statuses[status] += count;
    if (!lastError.empty())
        tally.lastError = lastError;
}

std::string jsonString(const std::string& text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20)
            continue;
        out += c;
    }
    return out + "\"";
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--connection-per-request") {
            options.connectionPerRequest = true;
            continue;
        }
        if (option == "--no-udp-gso") {
            options.udpGso = false;
            continue;
        }
        if (i + 1 >= argc)
            return usage("missing value of " + option);
        const std::string value = argv[++i];
        try {
            if (option == "--mode")
                options.mode = value;
            else if (option == "--target") {
                const size_t colon = value.rfind(':');
                if (colon == std::string::npos)
                    return usage("--target wants HOST:PORT");
                options.host = value.substr(0, colon);
                options.port = static_cast<uint16_t>(std::stoi(value.substr(colon + 1)));
            } else if (option == "--path")
                options.path = value;
            else if (option == "--batch")
                options.batch = std::stoul(value);
            else if (option == "--rate")
                options.rate = std::stod(value);
            else if (option == "--duration")
                options.duration = std::stod(value);
            else if (option == "--connections")
                options.connections = std::stoi(value);
            else if (option == "--event-bytes")
                options.eventBytes = std::stoul(value);
            else if (option == "--max-events")
                options.maxEvents = std::stoull(value);
            else
                return usage("unknown option " + option);
        } catch (const std::exception&) {
            return usage("bad value of " + option + ": " + value);
        }
    }
    if (options.port == 0)
        return usage("--target is required");
    if (options.batch == 0 || options.connections < 1)
        return usage("--batch and --connections must be at least 1");

    EventBatch::Kind kind;
    if (options.mode == "rcfeed") {
        kind = EventBatch::Kind::RcFeedDatagram;
    } else if (options.mode == "relay" || options.mode == "baseline") {
        kind = EventBatch::Kind::EventGateEvent;
        if (options.path.empty())
            options.path = "/v1/events";
        if (options.mode == "baseline")
            options.batch = 1;
    } else if (options.mode == "jobs") {
        kind = EventBatch::Kind::JobSpecification;
        if (options.path.empty())
            options.path = "/eventbus/v0/jobs";
    } else {
        return usage("--mode must be rcfeed, relay, jobs or baseline");
    }
    // Sizes chosen so that what reaches EventGate is about 500 bytes per event: the daemon adds
    // $schema and meta to a datagram, and meta, a signature and more to a job specification.
    if (options.eventBytes == 0)
        options.eventBytes = kind == EventBatch::Kind::RcFeedDatagram ? 300
            : kind == EventBatch::Kind::JobSpecification              ? 200
                                                                      : 500;

    Tally tally;
    std::atomic<uint64_t> budget{options.maxEvents};
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration));
    if (kind == EventBatch::Kind::RcFeedDatagram) {
        runUdp(options, end, tally);
    } else {
        std::vector<std::thread> producers;
        for (int i = 0; i < options.connections; ++i)
            producers.emplace_back(runHttpProducer, std::cref(options), kind, i, end, std::ref(budget), std::ref(tally));
        for (std::thread& producer : producers)
            producer.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

    std::string statuses;
    for (const auto& [status, count] : tally.statuses)
        statuses += (statuses.empty() ? "\"" : ",\"") + std::to_string(status) + "\":" + std::to_string(count);
    char figures[512];
    snprintf(figures, sizeof(figures),
        "\"offered_rate\":%.0f,\"duration_s\":%.3f,\"events\":%llu,\"requests\":%llu,\"failed\":%llu,"
        "\"events_per_s\":%.1f,\"event_bytes\":%zu",
        options.rate, elapsed, static_cast<unsigned long long>(tally.events),
        static_cast<unsigned long long>(tally.requests), static_cast<unsigned long long>(tally.failed),
        elapsed > 0 ? double(tally.events) / elapsed : 0.0,
        EventBatch::eventTemplate(kind, options.eventBytes).size());
    std::cout << "{\"mode\":" << jsonString(options.mode) << "," << figures << ",\"statuses\":{" << statuses
              << "},\"udp_gso\":" << (tally.udpGso ? "true" : "false")
              << ",\"last_error\":" << jsonString(tally.lastError) << "}" << std::endl;
    return tally.events > 0 ? 0 : 1;
}
