#include "IngressPipeline.h"

#include "Dispatcher.h"
#include "MetricsRegistry.h"

#include "eventbus/PhpJson.h"

#include <Poco/Logger.h>
#include <Poco/UTF8String.h>


namespace eventbus {

namespace {

std::string jsonString(const std::string& s) { return "\"" + Poco::UTF8::escape(s, true) + "\""; }

/// The answer to every accepted request. Ids are nearly always UUIDs, copied as they are: Poco's
/// escape for each was 2.4 % of the daemon's CPU in the jobs benchmark (perf).
std::string idsBody(const std::vector<Event>& events)
{
    std::string body;
    body.reserve(12 + events.size() * 39);
    body += "{\"ids\":[";
    for (size_t i = 0; i < events.size(); ++i) {
        if (i) body += ',';
        const std::string& id = events[i].id;
        if (json::encodesVerbatim(id)) {
            body += '"';
            body += id;
            body += '"';
        } else {
            body += jsonString(id);
        }
    }
    body += "]}";
    return body;
}

} // namespace

IngressPipeline::IngressPipeline(Dispatcher& dispatcher, MetricsRegistry& metrics)
    : _dispatcher(dispatcher), _metrics(metrics)
{
    _metrics.describe("eventbus_ingress_received_total", "counter", "Inputs (datagrams, lines, requests) received per plugin listener");
    _metrics.describe("eventbus_ingress_rejected_total", "counter", "Inputs rejected per plugin and reason");
    _metrics.describe("eventbus_ingress_events_total", "counter", "Events decoded and handed to the dispatcher per plugin");
    _metrics.describe("eventbus_ingress_dropped_total", "counter", "Events dropped at ingress because a budget was full");
    _metrics.describe("eventbus_ingress_udp_dropped_total", "counter",
                      "Datagrams the kernel dropped before the daemon read them (mostly a full socket receive buffer; also bad checksums), per UDP listener");
}

void IngressPipeline::countRejected(const std::string& plugin, const std::string& reason, const std::string& message)
{
    _metrics.add("eventbus_ingress_rejected_total", {{"plugin", plugin}, {"reason", reason}});
    size_t suppressed = 0;
    if (_throttle.allow(plugin + "/" + reason, suppressed)) {
        std::string line = "plugin " + plugin + " rejected input (" + reason + "): " + message;
        if (suppressed) line += " [" + std::to_string(suppressed) + " similar suppressed]";
        Poco::Logger::get("eventbusd").warning(line);
    }
}

void IngressPipeline::countFull(const std::string& plugin, size_t events, const char* verb)
{
    _metrics.add("eventbus_ingress_dropped_total", {{"plugin", plugin}, {"reason", "budget_full"}},
                 static_cast<double>(events));
    size_t suppressed = 0;
    if (_throttle.allow(plugin + "/full", suppressed))
        Poco::Logger::get("eventbusd").warning("plugin " + plugin + ": budget full, " + verb + " " +
                                               std::to_string(events) + " events" +
                                               (suppressed ? " [" + std::to_string(suppressed) + " similar suppressed]" : ""));
}

void IngressPipeline::countKernelDropped(const std::string& plugin, const std::string& listener, uint64_t datagrams)
{
    _metrics.add("eventbus_ingress_udp_dropped_total", {{"plugin", plugin}, {"listener", listener}},
                 static_cast<double>(datagrams));
    if (datagrams == 0) return;
    // Counted: a failure to log must not reach the listener, which would count these drops again.
    try {
        size_t suppressed = 0;
        if (_throttle.allow(plugin + "/" + listener + "/udp_dropped", suppressed))
            Poco::Logger::get("eventbusd").warning(
                "plugin " + plugin + ": udp listener " + listener + ": the kernel dropped " +
                std::to_string(datagrams) +
                " datagrams, mostly because the socket's receive buffer was full (a larger net.core.rmem_max lets "
                "the listener's 8 MB request take effect; more ingress.udp.threads read faster)" +
                (suppressed ? " [" + std::to_string(suppressed) + " similar suppressed]" : ""));
    } catch (...) {
    }
}

void IngressPipeline::decodeBurst(PluginInstance& plugin, const std::vector<IngressInput*>& inputs,
    std::vector<Event>& events)
{
    for (const IngressInput* input : inputs) {
        const DecodeResult r = plugin.decodeInto(*input, events);
        if (r.status != EB_OK)
            countRejected(plugin.name(), r.rejectReason, r.rejectMessage);
    }
}

void IngressPipeline::submitBurst(PluginInstance& plugin, const std::string& listener, size_t inputs,
    std::vector<Event>&& events)
{
    // Received is counted once the burst's events are held: a datagram counted as received
    // is stored (or counted as dropped), which is what an operator or a test can rely on.
    const size_t n = events.size();
    if (n > 0) {
        const bool full = _dispatcher.submit(std::move(events)).full;
        _metrics.add("eventbus_ingress_events_total", {{"plugin", plugin.name()}}, static_cast<double>(n));
        if (full)
            countFull(plugin.name(), n, "dropping");
    }
    _metrics.add("eventbus_ingress_received_total", {{"plugin", plugin.name()}, {"listener", listener}},
                 static_cast<double>(inputs));
}

IngressAnswer IngressPipeline::process(PluginInstance& plugin, const IngressInput& input)
{
    _metrics.add("eventbus_ingress_received_total", {{"plugin", plugin.name()}, {"listener", input.listener}});
    DecodeResult r = plugin.decode(input);
    IngressAnswer answer;
    if (r.status != EB_OK) {
        countRejected(plugin.name(), r.rejectReason, r.rejectMessage);
        answer.status = r.status == EB_FAILED ? 500 : 400;
        answer.body = "{\"error\":" + jsonString(r.rejectMessage.empty() ? r.rejectReason : r.rejectMessage) + "}";
        return answer;
    }
    const size_t n = r.events.size();
    if (n) {
        _metrics.add("eventbus_ingress_events_total", {{"plugin", plugin.name()}}, static_cast<double>(n));
    }
    std::string ids = r.responded ? std::string() : idsBody(r.events);
    SubmitResult sr;
    if (n) sr = _dispatcher.submit(std::move(r.events));
    if (sr.full) {
        countFull(plugin.name(), n, "refusing");
        answer.status = 503;
        answer.retryAfterSeconds = sr.retryAfterSeconds > 0 ? sr.retryAfterSeconds : 1;
        answer.body = "{\"error\":\"event budget full, retry later\"}";
        return answer;
    }
    if (r.responded) {
        answer.status = r.httpStatus;
        answer.contentType = r.contentType;
        answer.body = std::move(r.body);
    } else {
        answer.status = 201;
        answer.body = std::move(ids);
    }
    return answer;
}

} // namespace eventbus
