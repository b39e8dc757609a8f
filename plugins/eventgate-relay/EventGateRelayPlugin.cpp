// plugins/eventgate-relay: an EventGate-compatible intake (POST /v1/events), so producers that
// speak to EventGate, the PHP extension included, can point at eventbusd and gain its spool.
// Events are relayed byte for byte; RelayDecoder does the scanning.
#include "RelayDecoder.h"

#include "eventbus/Envelope.h"
#include "eventbus/plugin.hpp"

namespace eventbus {
namespace relay {

namespace {
std::string newId() { return uuidV4(); }
} // namespace

class EventGateRelayPlugin : public Plugin {
public:
    explicit EventGateRelayPlugin(Host& host) : Plugin(host), _route(host.config("route")) {
        host.addHttpRoute("events", _route.c_str(), "POST", static_cast<size_t>(host.configInt("max_body_bytes")));
    }

    Status decode(const Input& in, Sink& out) override {
        const RelayResult result = RelayDecoder::decode(in.data(), nowDt(), &newId);
        if (!result.ok()) return out.reject(result.reason.c_str(), result.error);
        for (const auto& event : result.events)
            if (!out.emit(EB_TYPE_EVENT, event.stream, event.id, event.json)) return Status::Rejected;
        // EventGate answers success with an empty body and no content type.
        out.respond(RelayDecoder::isHasty(in.uri()) ? 202 : 201, nullptr, {});
        return Status::Ok;
    }

private:
    std::string _route;
};

} // namespace relay
} // namespace eventbus

static const eb_config_key kRelayKeys[] = {
    {"route", EB_CFG_STRING, "/v1/events", "path of the EventGate-compatible intake on the shared HTTP ingress server"},
    {"max_body_bytes", EB_CFG_INT, "4194304", "largest accepted request body in bytes (EventGate's limit is 4 MiB)"},
};

EVENTBUS_PLUGIN(eventbus::relay::EventGateRelayPlugin, "eventgate-relay", "1.0.0",
                "EventGate-compatible intake: events relayed byte for byte, routed by meta.stream", kRelayKeys)
