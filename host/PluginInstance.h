// A created plugin: the host side of the ABI for one plugin. It serves the plugin's host API calls
// (config, listeners, log, stream names, job executors) and turns a decode call into host events,
// catching everything so that a failing plugin is disabled and never takes the daemon with it.
#ifndef EVENTBUS_HOST_PLUGININSTANCE_H
#define EVENTBUS_HOST_PLUGININSTANCE_H

#include "Event.h"
#include "PluginModule.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus {

class MetricsRegistry;

/// A listener a plugin asked for, copied out of its eb_listener_spec.
struct ListenerSpec {
    int kind = EB_LISTEN_UDP;
    std::string name;
    std::string address;
    std::string route;
    std::string methods = "POST";
    std::string multicastGroup;
    size_t maxMessageBytes = 0;
};

/// One input for decode, with its context (HTTP fields empty for datagrams and lines).
struct IngressInput {
    int kind = EB_LISTEN_UDP;
    std::string listener;
    std::string_view data;
    std::string peerAddress;
    uint16_t peerPort = 0;
    std::string method;
    std::string uri;
    std::string contentType;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// What decode produced.
struct DecodeResult {
    int status = EB_OK;
    std::vector<Event> events;
    std::string rejectReason;  ///< metric label
    std::string rejectMessage; ///< log line and HTTP 400 text
    bool responded = false;    ///< the plugin chose the HTTP answer
    int httpStatus = 201;
    std::string contentType;
    std::string body;
};

struct JobExecutorEntry {
    eb_job_execute_fn fn = nullptr;
    void* user = nullptr;
};

class PluginInstance {
public:
    enum class State { Created, Running, Failed };

    /// config holds the plugin's keys, checked, with defaults applied.
    PluginInstance(std::shared_ptr<PluginModule> module, std::map<std::string, std::string> config,
                   std::map<std::string, std::string> streamNames, MetricsRegistry& metrics);
    ~PluginInstance();
    PluginInstance(const PluginInstance&) = delete;
    PluginInstance& operator=(const PluginInstance&) = delete;

    /// Calls the plugin's create. Throws std::runtime_error with the plugin's message on failure.
    void create();
    DecodeResult decode(const IngressInput& input);
    /// As decode, but the events are appended to events (the result's own list stays empty), and
    /// nothing is appended unless the status is EB_OK: for a burst of inputs decoded into one list,
    /// without a list per input.
    DecodeResult decodeInto(const IngressInput& input, std::vector<Event>& events);

    const std::string& name() const { return _name; }
    const PluginModule& module() const { return *_module; }
    const std::vector<ListenerSpec>& listeners() const { return _listeners; }
    const std::map<std::string, JobExecutorEntry>& jobExecutors() const { return _executors; }
    State state() const { return _state.load(); }
    void setRunning() { _state = State::Running; }
    std::string failure() const;

private:
    static const char* apiConfigGet(void* host, const char* key);
    static int apiAddListener(void* host, const eb_listener_spec* spec);
    static void apiLog(void* host, int level, const char* message);
    static const char* apiResolveStream(void* host, const char* name);
    static int apiRegisterJobExecutor(void* host, const char* type, eb_job_execute_fn fn, void* user);
    void fail(const std::string& why);
    /// decodeInto's work: appends whatever the plugin emits, accepted or not.
    DecodeResult decodeAppending(const IngressInput& input, std::vector<Event>& events);

    std::shared_ptr<PluginModule> _module;
    std::string _name;
    std::map<std::string, std::string> _config;
    std::map<std::string, std::string> _streamNames;
    MetricsRegistry& _metrics;
    eb_host_api _api;
    void* _instance = nullptr;
    bool _inCreate = false;
    std::vector<ListenerSpec> _listeners;
    std::map<std::string, JobExecutorEntry> _executors;
    std::atomic<State> _state{State::Created};
    /// Events of the last decode: room for as many (at most 1024) is reserved for the next one
    /// (the vector's growth, moving every event each time, was 1 % of the daemon's CPU in the
    /// relay benchmark).
    std::atomic<size_t> _lastEventCount{0};
    mutable std::mutex _mutex; ///< guards _failure and _streamNames
    std::string _failure;
};

} // namespace eventbus

#endif
