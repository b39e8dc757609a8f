// A fake eventbusd for plugin unit tests: no sockets, no threads, no daemon.
//
// It takes a plugin's descriptor (from its entry function, linked into the test or loaded with
// PluginLibrary), checks it and its configuration the way the host does, creates the instance
// through the C ABI, and lets a test feed inputs to decode as if they arrived on a declared
// listener. What the plugin emits, rejects, answers and logs is recorded for the test to read.
//
//   eventbus::testing::FakeHost host(eventbus_plugin_entry(), {{"listen", "127.0.0.1:9000"}});
//   CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
//   auto r = host.decode("in", "stream hello");
//   CPPUNIT_ASSERT(r.ok());
//   CPPUNIT_ASSERT_EQUAL(std::string("test.event"), r.events.at(0).stream);
//
// Host rules it reproduces: unknown or missing required config keys and badly typed values fail
// start(); listeners and job executors may only be declared during create; an input longer than
// the listener's max_message_bytes is refused as "oversized" without calling decode; an emit
// without json, stream or id, or with a type that is not exactly one bit, is refused; events
// emitted during a decode that does not return EB_OK are discarded (all or nothing); after
// EB_FAILED the plugin is disabled and later inputs are refused with reason "plugin_disabled";
// an HTTP input gets the plugin's respond() answer, else 201 {"ids":[...]} on success, 400
// (rejected) or 500 (failed) with {"error": message}.
//
// decode may be called from several threads at once, as the host does, to test a plugin's
// thread safety; start, stop and the recorded listener and executor lists are single-threaded.
#ifndef EVENTBUS_FAKEHOST_HPP
#define EVENTBUS_FAKEHOST_HPP

#include "eventbus/plugin.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <dlfcn.h>

namespace eventbus {
namespace testing {

/// A listener as the plugin declared it (copied out of the eb_listener_spec).
struct DeclaredListener {
    int kind = EB_LISTEN_UDP;
    std::string name;
    std::string address;
    std::string route;
    std::string methods;
    std::string multicastGroup;
    size_t maxMessageBytes = 0;
};

/// One event handed to the host through sink->emit.
struct EmittedEvent {
    int type = EB_TYPE_NONE;
    std::string stream;
    std::string id;
    std::string json;
};

/// One reason an input was refused: a sink->reject call or an emit the host refused.
struct Rejection {
    std::string reason;
    std::string message;
};

/// An HTTP answer: what the plugin passed to respond(), or what the host would send.
struct HttpAnswer {
    int status = 0;
    std::string contentType;
    std::string body;
};

/// The context of one input besides its bytes. Defaults describe a local UDP sender.
struct InputContext {
    std::string peerAddress = "127.0.0.1";
    uint16_t peerPort = 40000;
    std::string method = "POST";  ///< HTTP only
    std::string uri = "/";        ///< HTTP only
    std::string contentType;      ///< HTTP only; empty: absent
    std::vector<std::pair<std::string, std::string>> headers; ///< HTTP only
};

/// Everything one decode call produced.
struct DecodeOutcome {
    int status = EB_OK;                ///< enum eb_status, after the host's corrections
    std::vector<EmittedEvent> events;  ///< kept events: empty unless status is EB_OK
    size_t discardedEvents = 0;        ///< emitted, then dropped because decode did not succeed
    std::vector<Rejection> rejections; ///< every reject call and refused emit, in order
    std::string reason;                ///< the reason the host counts (empty when OK)
    std::string message;               ///< its message (the log line; the 400 body over HTTP)
    bool responded = false;            ///< the plugin called respond()
    HttpAnswer response;               ///< what it passed to respond()
    HttpAnswer http;                   ///< the host's answer (HTTP listeners only)

    bool ok() const { return status == EB_OK; }
    bool rejected() const { return status == EB_REJECTED; }
    bool failed() const { return status == EB_FAILED; }
};

/// A job executor registered through register_job_executor.
struct RegisteredExecutor {
    std::string jobType;
    eb_job_execute_fn fn = nullptr;
    void* user = nullptr;
};

/// The result of running a job through a registered executor.
struct JobOutcome {
    bool found = false; ///< an executor for the type (or "*") exists
    int returned = 0;   ///< the executor's return value
    bool replied = false;
    int status = 0;
    std::string body;
};

struct LogLine {
    int level = EB_LOG_INFO;
    std::string message;
};

/// dlopen()s a plugin module (RTLD_NOW | RTLD_LOCAL, as the host) and finds its descriptor.
/// The descriptor stays valid while this object lives; keep it alive longer than the FakeHost.
class PluginLibrary {
public:
    /// Throws std::runtime_error when the file cannot be loaded or has no entry symbol.
    explicit PluginLibrary(const std::string& path) {
        _handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!_handle) {
            const char* e = ::dlerror();
            throw std::runtime_error(path + ": cannot load: " + (e ? e : "unknown error"));
        }
        void* symbol = ::dlsym(_handle, EVENTBUS_PLUGIN_ENTRY_SYMBOL);
        if (!symbol) {
            ::dlclose(_handle);
            throw std::runtime_error(path + ": no " EVENTBUS_PLUGIN_ENTRY_SYMBOL " symbol");
        }
        _entry = reinterpret_cast<eb_plugin_entry_fn>(symbol);
    }
    ~PluginLibrary() { ::dlclose(_handle); }
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    const eb_plugin_descriptor* descriptor() const { return _entry(); }

private:
    void* _handle = nullptr;
    eb_plugin_entry_fn _entry = nullptr;
};

class FakeHost {
public:
    /// config maps key names (without the "plugin.<name>." prefix) to values, as an operator's
    /// drop-in would set them; declared keys not given take their default.
    explicit FakeHost(const eb_plugin_descriptor* descriptor,
                      std::map<std::string, std::string> config = {})
        : _given(std::move(config)) {
        std::memset(&_descriptor, 0, sizeof _descriptor);
        std::memset(&_api, 0, sizeof _api);
        if (!descriptor) {
            _error = "no descriptor";
            return;
        }
        _abi = std::to_string(descriptor->abi_major) + "." + std::to_string(descriptor->abi_minor);
        if (descriptor->abi_major != EB_ABI_MAJOR) {
            _error = "refused: plugin ABI " + _abi + " but host ABI " + hostAbi() +
                     " (the major version must match; rebuild the plugin against this SDK)";
            return;
        }
        const size_t minimum = offsetof(eb_plugin_descriptor, decode) + sizeof(descriptor->decode);
        if (descriptor->size < minimum) {
            _error = "refused: descriptor size " + std::to_string(descriptor->size) + " is too small";
            return;
        }
        // Only the fields the plugin's descriptor size covers are read; the rest stay zero.
        std::memcpy(&_descriptor, descriptor, std::min<size_t>(descriptor->size, sizeof _descriptor));
        if (!_descriptor.name || !_descriptor.create || !_descriptor.destroy || !_descriptor.decode) {
            _error = "refused: descriptor lacks a name or a create/destroy/decode function";
            return;
        }
        _descriptorOk = true;
        _api.size = sizeof _api;
        _api.abi_major = EB_ABI_MAJOR;
        _api.abi_minor = EB_ABI_MINOR;
        _api.host = this;
        _api.config_get = &FakeHost::apiConfigGet;
        _api.add_listener = &FakeHost::apiAddListener;
        _api.log = &FakeHost::apiLog;
        _api.resolve_stream = &FakeHost::apiResolveStream;
        _api.register_job_executor = &FakeHost::apiRegisterJobExecutor;
    }

    ~FakeHost() { stop(); }
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    /// Maps a default stream name to the operator's name (EventBusStreamNamesMap). Before start().
    void mapStream(const std::string& defaultName, const std::string& actualName) {
        _streamNames[defaultName] = actualName;
    }

    /// Checks the configuration against the plugin's key table and calls create. False with
    /// error() set when the host would refuse the plugin.
    bool start() {
        if (_instance) return true;
        if (!_descriptorOk) return false;
        if (!checkConfig()) return false;
        char err[1024] = {0};
        _inCreate = true;
        void* instance = _descriptor.create(&_api, err, sizeof err);
        _inCreate = false;
        if (!instance) {
            _error = std::string("create failed: ") + (err[0] ? err : "no reason given");
            return false;
        }
        _instance = instance;
        return true;
    }

    /// Calls destroy (once). Also done by the destructor.
    void stop() {
        if (!_instance) return;
        _descriptor.destroy(_instance);
        _instance = nullptr;
    }

    /// Why the descriptor, the configuration or create was refused; empty when all went well.
    const std::string& error() const { return _error; }
    /// The plugin's "major.minor" ABI as its descriptor states it.
    const std::string& pluginAbi() const { return _abi; }
    const eb_plugin_descriptor& descriptor() const { return _descriptor; }
    /// The value config_get returns for a declared key after start(); empty for an unknown key.
    std::string config(const std::string& key) const {
        auto it = _effective.find(key);
        return it == _effective.end() ? std::string() : it->second;
    }

    const std::vector<DeclaredListener>& listeners() const { return _listeners; }
    /// The declared listener of that name, or nullptr.
    const DeclaredListener* listener(const std::string& name) const {
        for (const auto& l : _listeners)
            if (l.name == name) return &l;
        return nullptr;
    }
    const std::vector<RegisteredExecutor>& jobExecutors() const { return _executors; }

    std::vector<LogLine> logs() const {
        std::lock_guard<std::mutex> lock(_mutex);
        return _logs;
    }
    /// True when some log line at that level (or any level with -1) contains text.
    bool logged(const std::string& text, int level = -1) const {
        std::lock_guard<std::mutex> lock(_mutex);
        for (const auto& l : _logs)
            if ((level < 0 || l.level == level) && l.message.find(text) != std::string::npos) return true;
        return false;
    }
    /// True after a callback returned EB_FAILED: the host has disabled the plugin.
    bool disabled() const {
        std::lock_guard<std::mutex> lock(_mutex);
        return !_failure.empty();
    }

    /// Feeds data as one input (datagram, line or request body) of the named declared listener.
    /// Throws std::logic_error when the plugin is not started or declared no such listener.
    DecodeOutcome decode(const std::string& listenerName, const std::string& data,
                         const InputContext& context = InputContext()) {
        if (!_instance) throw std::logic_error("FakeHost::decode before a successful start(): " + _error);
        const DeclaredListener* l = listener(listenerName);
        if (!l) throw std::logic_error("plugin declared no listener named " + listenerName);
        DecodeOutcome out;
        if (disabled()) {
            out.status = EB_REJECTED;
            out.reason = "plugin_disabled";
            out.message = std::string("plugin ") + _descriptor.name + " is disabled after a failure";
            finishHttp(*l, out);
            return out;
        }

        if (l->maxMessageBytes && data.size() > l->maxMessageBytes) {
            // The host refuses oversized inputs without calling the plugin.
            out.status = EB_REJECTED;
            out.reason = "oversized";
            out.message = "input of " + std::to_string(data.size()) + " bytes exceeds " +
                          std::to_string(l->maxMessageBytes);
            finishHttp(*l, out);
            return out;
        }

        std::vector<eb_header> headers;
        for (const auto& h : context.headers) headers.push_back({h.first.c_str(), h.second.c_str()});
        eb_input in;
        std::memset(&in, 0, sizeof in);
        in.size = sizeof in;
        in.kind = l->kind;
        in.listener = l->name.c_str();
        in.data = data.data();
        in.len = data.size();
        in.peer_address = context.peerAddress.empty() ? nullptr : context.peerAddress.c_str();
        in.peer_port = context.peerPort;
        if (l->kind == EB_LISTEN_HTTP) {
            in.method = context.method.c_str();
            in.uri = context.uri.c_str();
            in.content_type = context.contentType.empty() ? nullptr : context.contentType.c_str();
            in.headers = headers.data();
            in.header_count = headers.size();
        }

        CallContext call{&out, {}, {}};
        eb_sink sink;
        sink.ctx = &call;
        sink.emit = &FakeHost::sinkEmit;
        sink.reject = &FakeHost::sinkReject;
        sink.respond = &FakeHost::sinkRespond;

        int status = _descriptor.decode(_instance, &in, &sink);
        if (status == EB_OK && !call.refusedReason.reason.empty()) status = EB_REJECTED;
        if (status != EB_OK && status != EB_REJECTED) status = EB_FAILED;
        out.status = status;
        if (status != EB_OK) {
            out.discardedEvents = out.events.size();
            out.events.clear();
        }
        if (status == EB_REJECTED) {
            if (!call.rejectCalled.reason.empty()) {
                out.reason = call.rejectCalled.reason;
                out.message = call.rejectCalled.message;
            } else if (!call.refusedReason.reason.empty()) {
                out.reason = call.refusedReason.reason;
                out.message = call.refusedReason.message;
            } else {
                out.reason = "rejected";
                out.message = std::string("input rejected by plugin ") + _descriptor.name;
            }
        } else if (status == EB_FAILED) {
            out.reason = "plugin_failed";
            out.message = call.rejectCalled.message;
            std::lock_guard<std::mutex> lock(_mutex);
            _failure = "decode failed";
        }
        finishHttp(*l, out);
        return out;
    }

    /// Runs job_json through the executor registered for jobType, or for "*".
    JobOutcome runJob(const std::string& jobType, const std::string& jobJson) {
        JobOutcome out;
        const RegisteredExecutor* exec = nullptr;
        for (const auto& e : _executors)
            if (e.jobType == jobType) exec = &e;
        if (!exec)
            for (const auto& e : _executors)
                if (e.jobType == "*") exec = &e;
        if (!exec) return out;
        out.found = true;
        eb_job_reply reply;
        reply.ctx = &out;
        reply.reply = [](void* ctx, int status, const char* body, size_t len) {
            auto* o = static_cast<JobOutcome*>(ctx);
            o->replied = true;
            o->status = status;
            o->body = body ? std::string(body, len) : std::string();
        };
        out.returned = exec->fn(exec->user, jobJson.data(), jobJson.size(), &reply);
        return out;
    }

private:
    struct CallContext {
        DecodeOutcome* out;
        Rejection refusedReason; ///< the first emit the host refused
        Rejection rejectCalled;  ///< the last sink->reject call
    };

    static std::string hostAbi() { return std::to_string(EB_ABI_MAJOR) + "." + std::to_string(EB_ABI_MINOR); }

    static std::string jsonQuoted(const std::string& s) {
        std::string q = "\"";
        for (unsigned char c : s) {
            if (c == '"' || c == '\\') {
                q += '\\';
                q += static_cast<char>(c);
            } else if (c < 0x20) {
                static const char hex[] = "0123456789abcdef";
                q += "\\u00";
                q += hex[c >> 4];
                q += hex[c & 0xF];
            } else {
                q += static_cast<char>(c);
            }
        }
        return q + "\"";
    }

    static void finishHttp(const DeclaredListener& l, DecodeOutcome& out) {
        if (l.kind != EB_LISTEN_HTTP) return;
        if (out.status != EB_OK) {
            out.http.status = out.status == EB_FAILED ? 500 : 400;
            out.http.contentType = "application/json";
            out.http.body = "{\"error\":" + jsonQuoted(out.message.empty() ? out.reason : out.message) + "}";
        } else if (out.responded) {
            out.http = out.response;
        } else {
            out.http.status = 201;
            out.http.contentType = "application/json";
            out.http.body = "{\"ids\":[";
            for (size_t i = 0; i < out.events.size(); ++i)
                out.http.body += (i ? "," : "") + jsonQuoted(out.events[i].id);
            out.http.body += "]}";
        }
    }

    static bool isInt(const std::string& v) {
        size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
        if (i == v.size()) return false;
        for (; i < v.size(); ++i)
            if (v[i] < '0' || v[i] > '9') return false;
        return true;
    }
    static bool isBool(const std::string& v) {
        static const char* const kWords[] = {"true", "false", "yes", "no", "on", "off", "1", "0"};
        for (const char* w : kWords)
            if (v == w) return true;
        return false;
    }
    static bool isDouble(const std::string& v) {
        if (v.empty()) return false;
        char* end = nullptr;
        errno = 0;
        std::strtod(v.c_str(), &end);
        return errno == 0 && end == v.c_str() + v.size();
    }
    static bool isAddress(const std::string& v) {
        size_t colon = v.rfind(':');
        if (colon == std::string::npos || colon == 0) return false;
        std::string port = v.substr(colon + 1);
        if (port.empty() || port.size() > 5 || !isInt(port) || port[0] == '-') return false;
        if (std::stol(port) > 65535) return false;
        std::string host = v.substr(0, colon);
        if (host.front() == '[') return host.size() > 2 && host.back() == ']';
        return host.find(':') == std::string::npos;
    }

    bool checkConfig() {
        const std::string prefix = std::string("plugin.") + _descriptor.name + ".";
        std::map<std::string, const eb_config_key*> declared;
        for (size_t i = 0; _descriptor.config_keys && i < _descriptor.config_key_count; ++i)
            declared[_descriptor.config_keys[i].name] = &_descriptor.config_keys[i];
        for (const auto& kv : _given) {
            if (!declared.count(kv.first)) {
                _error = prefix + kv.first + ": unknown configuration key";
                return false;
            }
        }
        _effective.clear();
        for (const auto& d : declared) {
            auto given = _given.find(d.first);
            std::string value;
            if (given != _given.end()) {
                value = given->second;
            } else if (d.second->default_value) {
                value = d.second->default_value;
            } else {
                _error = prefix + d.first + ": required key is missing (" +
                         (d.second->doc ? d.second->doc : "") + ")";
                return false;
            }
            const char* expected = nullptr;
            switch (d.second->type) {
            case EB_CFG_INT: if (!isInt(value)) expected = "an integer"; break;
            case EB_CFG_BOOL: if (!isBool(value)) expected = "true/false/yes/no/on/off/1/0"; break;
            case EB_CFG_DOUBLE: if (!isDouble(value)) expected = "a number"; break;
            case EB_CFG_ADDRESS: if (!isAddress(value)) expected = "host:port"; break;
            case EB_CFG_STRING:
            case EB_CFG_SECRET: break;
            default: expected = "a known type (the key table declares an unknown type)"; break;
            }
            if (expected) {
                _error = prefix + d.first + ": expected " + expected + ", got \"" + value + "\"";
                return false;
            }
            _effective[d.first] = value;
        }
        return true;
    }

    static const char* apiConfigGet(void* host, const char* key) {
        auto* self = static_cast<FakeHost*>(host);
        if (!key) return nullptr;
        auto it = self->_effective.find(key);
        return it == self->_effective.end() ? nullptr : it->second.c_str();
    }

    static int apiAddListener(void* host, const eb_listener_spec* spec) {
        auto* self = static_cast<FakeHost*>(host);
        auto refuse = [self](const std::string& why) {
            self->record(EB_LOG_ERROR, std::string("add_listener refused: ") + why);
            return 1;
        };
        if (!self->_inCreate) return refuse("only allowed during create");
        if (!spec || !spec->name || !*spec->name) return refuse("listener without a name");
        DeclaredListener l;
        l.kind = spec->kind;
        l.name = spec->name;
        l.address = spec->address ? spec->address : "";
        l.route = spec->route ? spec->route : "";
        l.methods = spec->methods ? spec->methods : "POST";
        l.multicastGroup = spec->multicast_group ? spec->multicast_group : "";
        l.maxMessageBytes = spec->max_message_bytes;
        if (self->listener(l.name)) return refuse("duplicate listener name " + l.name);
        if (l.kind < EB_LISTEN_UDP || l.kind > EB_LISTEN_EXEC_LINES) return refuse(l.name + " has an unknown kind");
        if (l.kind == EB_LISTEN_HTTP && l.address.empty() && (l.route.empty() || l.route[0] != '/'))
            return refuse("HTTP listener " + l.name + " needs a route starting with /");
        if (l.kind != EB_LISTEN_HTTP && l.address.empty()) return refuse(l.name + " needs an address");
        self->_listeners.push_back(std::move(l));
        return 0;
    }

    static void apiLog(void* host, int level, const char* message) {
        static_cast<FakeHost*>(host)->record(level, message ? message : "");
    }

    static const char* apiResolveStream(void* host, const char* name) {
        auto* self = static_cast<FakeHost*>(host);
        if (!name) return nullptr;
        std::lock_guard<std::mutex> lock(self->_mutex);
        return self->_streamNames.emplace(name, name).first->second.c_str();
    }

    static int apiRegisterJobExecutor(void* host, const char* jobType, eb_job_execute_fn fn, void* user) {
        auto* self = static_cast<FakeHost*>(host);
        if (!self->_inCreate || !jobType || !*jobType || !fn) return 1;
        for (const auto& e : self->_executors)
            if (e.jobType == jobType) return 1;
        self->_executors.push_back(RegisteredExecutor{jobType, fn, user});
        return 0;
    }

    static int sinkEmit(void* ctx, const eb_event* e) {
        auto* call = static_cast<CallContext*>(ctx);
        auto refuse = [call](const char* reason, const char* message) {
            call->out->rejections.push_back({reason, message});
            if (call->refusedReason.reason.empty()) call->refusedReason = {reason, message};
            return 1;
        };
        if (!e || !e->json || e->json_len == 0) return refuse("empty_event", "plugin emitted an empty event");
        if (!e->stream || e->stream_len == 0) return refuse("missing_stream", "event has no meta.stream");
        if (!e->id || e->id_len == 0) return refuse("missing_id", "event has no meta.id");
        if (e->type != EB_TYPE_EVENT && e->type != EB_TYPE_JOB && e->type != EB_TYPE_PURGE)
            return refuse("bad_type", "event type must be exactly one of TYPE_EVENT, TYPE_JOB, TYPE_PURGE");
        EmittedEvent ev;
        ev.type = e->type;
        ev.stream.assign(e->stream, e->stream_len);
        ev.id.assign(e->id, e->id_len);
        ev.json.assign(e->json, e->json_len);
        call->out->events.push_back(std::move(ev));
        return 0;
    }

    static void sinkReject(void* ctx, const char* reason, const char* message) {
        auto* call = static_cast<CallContext*>(ctx);
        Rejection r{reason && *reason ? reason : "rejected", message ? message : ""};
        call->out->rejections.push_back(r);
        call->rejectCalled = r;
    }

    static void sinkRespond(void* ctx, int status, const char* contentType, const char* body, size_t len) {
        auto* call = static_cast<CallContext*>(ctx);
        call->out->responded = true;
        call->out->response.status = status;
        call->out->response.contentType = contentType ? contentType : "";
        call->out->response.body = body ? std::string(body, len) : std::string();
    }

    void record(int level, const std::string& message) {
        std::lock_guard<std::mutex> lock(_mutex);
        _logs.push_back({level, message});
    }

    eb_plugin_descriptor _descriptor;
    bool _descriptorOk = false;
    std::string _abi;
    std::string _error;
    eb_host_api _api;
    void* _instance = nullptr;
    bool _inCreate = false;
    std::map<std::string, std::string> _given;
    std::map<std::string, std::string> _effective;
    std::map<std::string, std::string> _streamNames;
    std::vector<DeclaredListener> _listeners;
    std::vector<RegisteredExecutor> _executors;
    mutable std::mutex _mutex;
    std::vector<LogLine> _logs;
    std::string _failure;
};

} // namespace testing
} // namespace eventbus

#endif
