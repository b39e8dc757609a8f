#include "PluginInstance.h"

#include "MetricsRegistry.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace eventbus {

namespace {

int64_t nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Collects what one decode call emits; the events are kept only when decode returns EB_OK.
struct SinkContext {
    PluginInstance* plugin;
    const IngressInput* input;
    DecodeResult* result;
    std::vector<Event>* events;
    int64_t ingressUs; ///< one clock reading per input: its events arrived together
};

std::string str(const char* p, size_t n) { return p ? std::string(p, n) : std::string(); }

} // namespace

PluginInstance::PluginInstance(std::shared_ptr<PluginModule> module, std::map<std::string, std::string> config,
                               std::map<std::string, std::string> streamNames, MetricsRegistry& metrics)
    : _module(std::move(module)),
      _name(_module->name()),
      _config(std::move(config)),
      _streamNames(std::move(streamNames)),
      _metrics(metrics)
{
    std::memset(&_api, 0, sizeof _api);
    _api.size = sizeof _api;
    _api.abi_major = EB_ABI_MAJOR;
    _api.abi_minor = EB_ABI_MINOR;
    _api.host = this;
    _api.config_get = &PluginInstance::apiConfigGet;
    _api.add_listener = &PluginInstance::apiAddListener;
    _api.log = &PluginInstance::apiLog;
    _api.resolve_stream = &PluginInstance::apiResolveStream;
    _api.register_job_executor = &PluginInstance::apiRegisterJobExecutor;
}

PluginInstance::~PluginInstance()
{
    if (_instance) {
        try {
            _module->descriptor().destroy(_instance);
        } catch (...) {
            Poco::Logger::get("eventbusd").error("plugin " + _name + ": destroy threw");
        }
    }
}

void PluginInstance::create()
{
    char err[1024] = {0};
    _inCreate = true;
    void* inst = nullptr;
    try {
        inst = _module->descriptor().create(&_api, err, sizeof err);
    } catch (...) {
        std::strncpy(err, "create threw an exception across the ABI", sizeof err - 1);
    }
    _inCreate = false;
    if (!inst) {
        fail(std::string("create failed: ") + (err[0] ? err : "no reason given"));
        throw std::runtime_error(_module->path() + ": plugin " + _name + ": " + failure());
    }
    _instance = inst;
}

std::string PluginInstance::failure() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _failure;
}

void PluginInstance::fail(const std::string& why)
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _failure = why;
    }
    _state = State::Failed;
    Poco::Logger::get("eventbusd").error("plugin " + _name + " disabled: " + why);
    _metrics.add("eventbus_plugin_failures_total", {{"plugin", _name}});
}

DecodeResult PluginInstance::decode(const IngressInput& input)
{
    std::vector<Event> events;
    // A guess, bounded so that one huge input does not make every later one reserve as much.
    events.reserve(std::min<size_t>(_lastEventCount.load(std::memory_order_relaxed), 1024));
    DecodeResult result = decodeInto(input, events);
    result.events = std::move(events);
    return result;
}

DecodeResult PluginInstance::decodeInto(const IngressInput& input, std::vector<Event>& events)
{
    // What this input emitted is taken back unless it was accepted, also when something throws
    // part-way (out of memory): a rejected input's events must not be handed on.
    const size_t mark = events.size();
    const auto takeBack = [&] { events.erase(events.begin() + static_cast<std::ptrdiff_t>(mark), events.end()); };
    DecodeResult result;
    try {
        result = decodeAppending(input, events);
    } catch (...) {
        takeBack();
        throw;
    }
    if (result.status != EB_OK) takeBack();
    return result;
}

DecodeResult PluginInstance::decodeAppending(const IngressInput& input, std::vector<Event>& events)
{
    const size_t mark = events.size();
    DecodeResult result;
    if (_state == State::Failed) {
        result.status = EB_REJECTED;
        result.rejectReason = "plugin_disabled";
        result.rejectMessage = "plugin " + _name + " is disabled after a failure: " + failure();
        return result;
    }
    std::vector<eb_header> headers;
    headers.reserve(input.headers.size());
    for (const auto& h : input.headers) headers.push_back({h.first.c_str(), h.second.c_str()});
    eb_input in;
    std::memset(&in, 0, sizeof in);
    in.size = sizeof in;
    in.kind = input.kind;
    in.listener = input.listener.c_str();
    in.data = input.data.data();
    in.len = input.data.size();
    in.peer_address = input.peerAddress.empty() ? nullptr : input.peerAddress.c_str();
    in.peer_port = input.peerPort;
    if (input.kind == EB_LISTEN_HTTP) {
        in.method = input.method.c_str();
        in.uri = input.uri.c_str();
        in.content_type = input.contentType.empty() ? nullptr : input.contentType.c_str();
        in.headers = headers.data();
        in.header_count = headers.size();
    }

    SinkContext ctx{this, &input, &result, &events, nowUs()};
    eb_sink sink;
    sink.ctx = &ctx;
    sink.emit = [](void* c, const eb_event* e) -> int {
        auto* sc = static_cast<SinkContext*>(c);
        auto reject = [&](const std::string& reason, const std::string& message) {
            if (sc->result->rejectReason.empty()) {
                sc->result->rejectReason = reason;
                sc->result->rejectMessage = message;
            }
            return 1;
        };
        if (!e || !e->json || e->json_len == 0) return reject("empty_event", "plugin emitted an empty event");
        if (!e->stream || e->stream_len == 0) return reject("missing_stream", "event has no meta.stream");
        if (!e->id || e->id_len == 0) return reject("missing_id", "event has no meta.id");
        if (e->type != EB_TYPE_EVENT && e->type != EB_TYPE_JOB && e->type != EB_TYPE_PURGE)
            return reject("bad_type", "event type must be exactly one of TYPE_EVENT, TYPE_JOB, TYPE_PURGE");
        Event ev;
        ev.stream = str(e->stream, e->stream_len);
        ev.type = e->type;
        ev.id = str(e->id, e->id_len);
        ev.json = str(e->json, e->json_len);
        ev.clientIp = sc->input->peerAddress;
        ev.plugin = sc->plugin->_name;
        ev.ingressUs = sc->ingressUs;
        sc->events->push_back(std::move(ev));
        return 0;
    };
    sink.reject = [](void* c, const char* reason, const char* message) {
        auto* sc = static_cast<SinkContext*>(c);
        sc->result->rejectReason = reason && *reason ? reason : "rejected";
        sc->result->rejectMessage = message ? message : "";
    };
    sink.respond = [](void* c, int status, const char* contentType, const char* body, size_t len) {
        auto* sc = static_cast<SinkContext*>(c);
        sc->result->responded = true;
        sc->result->httpStatus = status;
        sc->result->contentType = contentType ? contentType : "";
        sc->result->body = str(body, len);
    };

    int status;
    try {
        status = _module->descriptor().decode(_instance, &in, &sink);
    } catch (...) {
        status = EB_FAILED;
        result.rejectMessage = "decode threw an exception across the ABI";
    }
    _lastEventCount.store(events.size() - mark, std::memory_order_relaxed);
    if (status == EB_OK && !result.rejectReason.empty()) status = EB_REJECTED; // an emit was refused
    if (status == EB_FAILED) {
        fail("decode failed" + (result.rejectMessage.empty() ? std::string() : ": " + result.rejectMessage));
        result.rejectReason = "plugin_failed";
    } else if (status == EB_REJECTED && result.rejectReason.empty()) {
        result.rejectReason = "rejected";
        result.rejectMessage = "input rejected by plugin " + _name;
    } else if (status != EB_OK && status != EB_REJECTED) {
        fail("decode returned unknown status " + std::to_string(status));
        status = EB_FAILED;
        result.rejectReason = "plugin_failed";
    }
    result.status = status;
    return result;
}

const char* PluginInstance::apiConfigGet(void* host, const char* key)
{
    auto* self = static_cast<PluginInstance*>(host);
    if (!key) return nullptr;
    auto it = self->_config.find(key);
    return it == self->_config.end() ? nullptr : it->second.c_str();
}

int PluginInstance::apiAddListener(void* host, const eb_listener_spec* spec)
{
    auto* self = static_cast<PluginInstance*>(host);
    auto& log = Poco::Logger::get("eventbusd");
    if (!self->_inCreate) {
        log.error("plugin " + self->_name + ": add_listener is only allowed during create");
        return 1;
    }
    if (!spec || !spec->name || !*spec->name) {
        log.error("plugin " + self->_name + ": add_listener without a name");
        return 1;
    }
    ListenerSpec l;
    l.kind = spec->kind;
    l.name = spec->name;
    l.address = spec->address ? spec->address : "";
    l.route = spec->route ? spec->route : "";
    if (spec->methods) l.methods = spec->methods;
    l.multicastGroup = spec->multicast_group ? spec->multicast_group : "";
    l.maxMessageBytes = spec->max_message_bytes;
    for (const auto& other : self->_listeners) {
        if (other.name == l.name) {
            log.error("plugin " + self->_name + ": duplicate listener name " + l.name);
            return 1;
        }
    }
    if (l.kind < EB_LISTEN_UDP || l.kind > EB_LISTEN_EXEC_LINES) {
        log.error("plugin " + self->_name + ": listener " + l.name + " has an unknown kind");
        return 1;
    }
    if (l.kind == EB_LISTEN_HTTP && l.address.empty() && (l.route.empty() || l.route[0] != '/')) {
        log.error("plugin " + self->_name + ": HTTP listener " + l.name + " needs a route starting with /");
        return 1;
    }
    if (l.kind != EB_LISTEN_HTTP && l.address.empty()) {
        log.error("plugin " + self->_name + ": listener " + l.name + " needs an address");
        return 1;
    }
    self->_listeners.push_back(std::move(l));
    return 0;
}

void PluginInstance::apiLog(void* host, int level, const char* message)
{
    auto* self = static_cast<PluginInstance*>(host);
    auto& log = Poco::Logger::get("plugin." + self->_name);
    std::string m = message ? message : "";
    switch (level) {
    case EB_LOG_ERROR: log.error(m); break;
    case EB_LOG_WARNING: log.warning(m); break;
    case EB_LOG_INFO: log.information(m); break;
    default: log.debug(m); break;
    }
}

const char* PluginInstance::apiResolveStream(void* host, const char* name)
{
    auto* self = static_cast<PluginInstance*>(host);
    if (!name) return nullptr;
    // Unmapped names are returned as given; the copy kept here makes the pointer live until destroy.
    std::lock_guard<std::mutex> lock(self->_mutex);
    auto ins = self->_streamNames.emplace(name, name);
    return ins.first->second.c_str();
}

int PluginInstance::apiRegisterJobExecutor(void* host, const char* type, eb_job_execute_fn fn, void* user)
{
    auto* self = static_cast<PluginInstance*>(host);
    if (!self->_inCreate || !type || !*type || !fn) return 1;
    if (self->_executors.count(type)) return 1;
    self->_executors[type] = JobExecutorEntry{fn, user};
    return 0;
}

} // namespace eventbus
