// The exec plugin: the host runs a configured command and hands each line of its standard output
// here; adapters written in any language, or ones not trusted inside the daemon, run that way.
#include "ExecLineDecoder.h"

#include "eventbus/plugin.hpp"

namespace {

int parseType(const std::string& t)
{
    if (t == "event") return EB_TYPE_EVENT;
    if (t == "job") return EB_TYPE_JOB;
    if (t == "purge") return EB_TYPE_PURGE;
    throw eventbus::ConfigError("plugin.exec.event_type must be event, job or purge, not '" + t + "'");
}

class ExecPlugin : public eventbus::Plugin {
public:
    explicit ExecPlugin(eventbus::Host& host) : Plugin(host), _type(parseType(host.config("event_type")))
    {
        std::string command = host.config("command");
        if (command.empty()) throw eventbus::ConfigError("plugin.exec.command is empty: nothing to run");
        long long max = host.configInt("max_line_bytes");
        if (max < 64) throw eventbus::ConfigError("plugin.exec.max_line_bytes must be at least 64");
        host.addExecLines("stdout", command, static_cast<size_t>(max));
    }

    eventbus::Status decode(const eventbus::Input& in, eventbus::Sink& out) override
    {
        eventbus::ExecLineResult r = eventbus::ExecLineDecoder::decode(in.data());
        if (!r.ok) return out.reject(r.reason.c_str(), r.message);
        return out.emit(_type, r.stream, r.id, r.json) ? eventbus::Status::Ok : eventbus::Status::Rejected;
    }

private:
    int _type;
};

const eb_config_key kKeys[] = {
    {"command", EB_CFG_STRING, nullptr, "command line run by /bin/sh -c; each stdout line is one JSON event"},
    {"event_type", EB_CFG_STRING, "event", "type of the events: event, job or purge (EnableEventBus gate)"},
    {"max_line_bytes", EB_CFG_INT, "1048576", "longest accepted line; longer lines are counted and dropped"},
};

} // namespace

EVENTBUS_PLUGIN(ExecPlugin, "exec", "1.0.0", "Events from a child command's standard output (JSON lines)", kKeys)
