// A test-only plugin (not shipped): every input line that is a JSON object with meta.stream and
// meta.id becomes one event, unchanged. "FAIL" makes decode report a plugin failure and "THROW"
// makes it throw, so tests can watch the host disable a broken plugin.
#include "eventbus/plugin.hpp"

#include <rapidjson/document.h>

#include <stdexcept>
#include <string>

// The same source builds several test plugins under different names (reload tests need three).
#ifndef TEST_ECHO_NAME
#define TEST_ECHO_NAME "test-echo"
#endif

namespace {

class TestEchoPlugin : public eventbus::Plugin {
public:
    explicit TestEchoPlugin(eventbus::Host& host) : Plugin(host)
    {
        if (!host.config("udp_listen").empty()) host.addUdp("udp", host.config("udp_listen"));
        if (!host.config("tcp_listen").empty()) host.addTcpLines("tcp", host.config("tcp_listen"));
        if (!host.config("http_route").empty()) host.addHttpRoute("http", _route.assign(host.config("http_route")).c_str());
        _type = static_cast<int>(host.configInt("event_type"));
    }

    eventbus::Status decode(const eventbus::Input& in, eventbus::Sink& out) override
    {
        std::string_view data = in.data();
        if (data == "FAIL") return eventbus::Status::Failed;
        if (data == "THROW") throw std::runtime_error("decode was asked to throw");
        size_t start = 0;
        while (start < data.size()) {
            size_t end = data.find('\n', start);
            if (end == std::string_view::npos) end = data.size();
            std::string line(data.substr(start, end - start));
            start = end + 1;
            if (line.empty()) continue;
            rapidjson::Document d;
            d.Parse(line.c_str(), line.size());
            if (d.HasParseError() || !d.IsObject()) return out.reject("malformed_json", "not a JSON object");
            auto meta = d.FindMember("meta");
            if (meta == d.MemberEnd() || !meta->value.IsObject()) return out.reject("missing_meta", "no meta object");
            auto stream = meta->value.FindMember("stream");
            auto id = meta->value.FindMember("id");
            if (stream == meta->value.MemberEnd() || !stream->value.IsString() || id == meta->value.MemberEnd() ||
                !id->value.IsString())
                return out.reject("missing_meta", "meta.stream and meta.id are required");
            if (!out.emit(_type, stream->value.GetString(), id->value.GetString(), line))
                return eventbus::Status::Rejected;
        }
        return eventbus::Status::Ok;
    }

private:
    std::string _route;
    int _type = EB_TYPE_EVENT;
};

const eb_config_key kKeys[] = {
    {"udp_listen", EB_CFG_STRING, "", "UDP host:port, empty for none"},
    {"tcp_listen", EB_CFG_STRING, "", "TCP host:port, empty for none"},
    {"http_route", EB_CFG_STRING, "/test/events", "route on the shared ingress server, empty for none"},
    {"event_type", EB_CFG_INT, "1", "EB_TYPE_* of the emitted events"},
};

} // namespace

EVENTBUS_PLUGIN(TestEchoPlugin, TEST_ECHO_NAME, "1.0.0", "Test plugin: JSON lines in, events out", kKeys)
