// The path of one input: plugin decode, then the dispatcher, then the answer for the client.
// Every listener kind goes through here, so counting and answers are the same for all.
#ifndef EVENTBUS_HOST_INGRESSPIPELINE_H
#define EVENTBUS_HOST_INGRESSPIPELINE_H

#include "LogThrottle.h"
#include "PluginInstance.h"

#include <string>
#include <vector>

namespace eventbus {

class Dispatcher;
class MetricsRegistry;

/// What an HTTP listener answers (datagram and line listeners only count).
struct IngressAnswer {
    int status = 201;
    std::string contentType = "application/json";
    std::string body;
    int retryAfterSeconds = 0; ///< > 0: send Retry-After
};

class IngressPipeline {
public:
    IngressPipeline(Dispatcher& dispatcher, MetricsRegistry& metrics);

    IngressAnswer process(PluginInstance& plugin, const IngressInput& input);
    /// Decodes several independent inputs (a burst of datagrams), appending their events; each
    /// input is rejected and counted on its own.
    void decodeBurst(PluginInstance& plugin, const std::vector<IngressInput*>& inputs, std::vector<Event>& events);
    /// Submits what decodeBurst gathered from `inputs` inputs of one listener as one set: one
    /// dispatcher round and one durable commit. A full budget drops (and counts) the events.
    void submitBurst(PluginInstance& plugin, const std::string& listener, size_t inputs, std::vector<Event>&& events);
    /// Counts an input refused before decode (oversized, bad content type...) the same way.
    void countRejected(const std::string& plugin, const std::string& reason, const std::string& message);
    /// Counts datagrams the kernel dropped for a UDP listener before any thread read them (mostly
    /// a full receive buffer; the socket's counter also takes bad checksums), and warns
    /// (rate-limited; a failure to log is swallowed here, after the count). 0 only creates the series.
    void countKernelDropped(const std::string& plugin, const std::string& listener, uint64_t datagrams);

private:
    /// Counts and logs (rate-limited) events a full budget kept out; verb says what the client saw.
    void countFull(const std::string& plugin, size_t events, const char* verb);

    Dispatcher& _dispatcher;
    MetricsRegistry& _metrics;
    LogThrottle _throttle;
};

} // namespace eventbus

#endif
