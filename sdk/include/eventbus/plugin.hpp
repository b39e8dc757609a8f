// C++ convenience layer over the C plugin ABI (plugin.h).
//
// Header-only on purpose: everything here is compiled into the plugin, so the std::string and
// std::string_view values below never cross the ABI; only the C structs of plugin.h do.
// A plugin written with it looks like:
//
//   class MyPlugin : public eventbus::Plugin {
//   public:
//       explicit MyPlugin(eventbus::Host& host) : Plugin(host) { host.addUdp("in", host.config("listen")); }
//       eventbus::Status decode(const eventbus::Input& in, eventbus::Sink& out) override;
//   };
//   static const eb_config_key kKeys[] = {{"listen", EB_CFG_ADDRESS, "127.0.0.1:9000", "UDP address"}};
//   EVENTBUS_PLUGIN(MyPlugin, "my-plugin", "1.0.0", "What it does", kKeys)
#ifndef EVENTBUS_PLUGIN_HPP
#define EVENTBUS_PLUGIN_HPP

#include "eventbus/plugin.h"

#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <strings.h>

namespace eventbus {

enum class Status { Ok = EB_OK, Rejected = EB_REJECTED, Failed = EB_FAILED };

/// A plugin configuration problem found in create; the host reports the message and disables the plugin.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The host as a plugin sees it. Valid from the plugin's constructor until its destructor returns.
class Host {
public:
    explicit Host(const eb_host_api* api) : _api(api) {}

    /// The checked value of a declared key (default applied). Throws ConfigError for an undeclared key.
    std::string config(const char* key) const {
        const char* v = _api->config_get(_api->host, key);
        if (!v) throw ConfigError(std::string("undeclared configuration key: ") + key);
        return v;
    }
    long long configInt(const char* key) const { return std::stoll(config(key)); }
    double configDouble(const char* key) const { return std::stod(config(key)); }
    bool configBool(const char* key) const {
        std::string v = config(key);
        return v == "true" || v == "yes" || v == "on" || v == "1";
    }

    void addListener(const eb_listener_spec& spec) const {
        if (_api->add_listener(_api->host, &spec) != 0)
            throw ConfigError(std::string("listener refused: ") + (spec.name ? spec.name : "?"));
    }
    void addUdp(const char* name, const std::string& address, size_t maxBytes = 0,
                const char* multicastGroup = nullptr) const {
        eb_listener_spec s{};
        s.size = sizeof s;
        s.kind = EB_LISTEN_UDP;
        s.name = name;
        s.address = address.c_str();
        s.multicast_group = multicastGroup;
        s.max_message_bytes = maxBytes;
        addListener(s);
    }
    void addTcpLines(const char* name, const std::string& address, size_t maxBytes = 0) const {
        eb_listener_spec s{};
        s.size = sizeof s;
        s.kind = EB_LISTEN_TCP_LINES;
        s.name = name;
        s.address = address.c_str();
        s.max_message_bytes = maxBytes;
        addListener(s);
    }
    /// A route on the host's shared HTTP ingress server.
    void addHttpRoute(const char* name, const char* route, const char* methods = "POST",
                      size_t maxBytes = 0) const {
        eb_listener_spec s{};
        s.size = sizeof s;
        s.kind = EB_LISTEN_HTTP;
        s.name = name;
        s.route = route;
        s.methods = methods;
        s.max_message_bytes = maxBytes;
        addListener(s);
    }
    /// An HTTP server of the plugin's own on address; it receives every path.
    void addHttpServer(const char* name, const std::string& address, const char* methods,
                       size_t maxBytes = 0) const {
        eb_listener_spec s{};
        s.size = sizeof s;
        s.kind = EB_LISTEN_HTTP;
        s.name = name;
        s.address = address.c_str();
        s.methods = methods;
        s.max_message_bytes = maxBytes;
        addListener(s);
    }
    void addExecLines(const char* name, const std::string& command, size_t maxBytes = 0) const {
        eb_listener_spec s{};
        s.size = sizeof s;
        s.kind = EB_LISTEN_EXEC_LINES;
        s.name = name;
        s.address = command.c_str();
        s.max_message_bytes = maxBytes;
        addListener(s);
    }

    void log(int level, const std::string& message) const { _api->log(_api->host, level, message.c_str()); }

    /// The operator's name for a stream (the stream-name map); the default name when unmapped.
    std::string resolveStream(const std::string& defaultName) const {
        const char* v = _api->resolve_stream(_api->host, defaultName.c_str());
        return v ? v : defaultName;
    }

    void registerJobExecutor(const char* jobType, eb_job_execute_fn fn, void* user) const {
        if (_api->register_job_executor(_api->host, jobType, fn, user) != 0)
            throw ConfigError(std::string("job executor refused for type ") + jobType);
    }

    const eb_host_api* api() const { return _api; }

private:
    const eb_host_api* _api;
};

/// One input (datagram, line, HTTP body) with its context. Valid only during decode.
class Input {
public:
    explicit Input(const eb_input* in) : _in(in) {}
    std::string_view data() const { return {_in->data, _in->len}; }
    std::string_view listener() const { return str(_in->listener); }
    int kind() const { return _in->kind; }
    std::string_view peerAddress() const { return str(_in->peer_address); }
    uint16_t peerPort() const { return _in->peer_port; }
    std::string_view method() const { return str(_in->method); }
    std::string_view uri() const { return str(_in->uri); }
    std::string_view contentType() const { return str(_in->content_type); }
    /// Case-insensitive header lookup; empty when absent.
    std::string_view header(std::string_view name) const {
        for (size_t i = 0; i < _in->header_count; ++i) {
            const char* n = _in->headers[i].name;
            if (n && std::strlen(n) == name.size() && strncasecmp(n, name.data(), name.size()) == 0)
                return str(_in->headers[i].value);
        }
        return {};
    }
    const eb_input* raw() const { return _in; }

private:
    static std::string_view str(const char* s) { return s ? std::string_view(s) : std::string_view(); }
    const eb_input* _in;
};

/// Where decode puts events, rejections and (HTTP) the answer. Valid only during decode.
class Sink {
public:
    explicit Sink(const eb_sink* sink) : _sink(sink) {}

    /// Hands one serialized event to the host. Returns false when the host refused it.
    bool emit(int type, std::string_view stream, std::string_view id, std::string_view json) const {
        eb_event e{};
        e.size = sizeof e;
        e.type = type;
        e.stream = stream.data();
        e.stream_len = stream.size();
        e.id = id.data();
        e.id_len = id.size();
        e.json = json.data();
        e.json_len = json.size();
        return _sink->emit(_sink->ctx, &e) == 0;
    }
    /// Records why an input is bad and returns Status::Rejected, so `return out.reject(...)` reads well.
    Status reject(const char* reason, const std::string& message) const {
        _sink->reject(_sink->ctx, reason, message.c_str());
        return Status::Rejected;
    }
    void respond(int status, const char* contentType, std::string_view body) const {
        _sink->respond(_sink->ctx, status, contentType, body.data(), body.size());
    }

private:
    const eb_sink* _sink;
};

/// Base class of a C++ plugin instance. Constructed in create, destroyed in destroy.
class Plugin {
public:
    explicit Plugin(Host& host) : _host(host) {}
    virtual ~Plugin() = default;
    Plugin(const Plugin&) = delete;
    Plugin& operator=(const Plugin&) = delete;

    /// May run concurrently on several threads: keep it free of unsynchronised mutable state.
    virtual Status decode(const Input& in, Sink& out) = 0;

protected:
    Host& host() const { return _host; }

private:
    Host& _host;
};

namespace detail {

template <class P>
struct Instance {
    Host host;
    P plugin;
    explicit Instance(const eb_host_api* api) : host(api), plugin(host) {}
};

inline void copyError(char* err, size_t len, const char* msg) {
    if (!err || len == 0) return;
    std::strncpy(err, msg, len - 1);
    err[len - 1] = '\0';
}

template <class P>
void* create(const eb_host_api* api, char* err, size_t errLen) {
    try {
        return new Instance<P>(api);
    } catch (const std::exception& e) {
        copyError(err, errLen, e.what());
    } catch (...) {
        copyError(err, errLen, "unknown exception in create");
    }
    return nullptr;
}

template <class P>
void destroy(void* instance) {
    try {
        delete static_cast<Instance<P>*>(instance);
    } catch (...) {
        // Nothing sensible can be done; the host is unloading the plugin anyway.
    }
}

template <class P>
int decode(void* instance, const eb_input* input, const eb_sink* sink) {
    auto* self = static_cast<Instance<P>*>(instance);
    try {
        Input in(input);
        Sink out(sink);
        return static_cast<int>(self->plugin.decode(in, out));
    } catch (const std::exception& e) {
        self->host.log(EB_LOG_ERROR, std::string("decode threw: ") + e.what());
    } catch (...) {
        self->host.log(EB_LOG_ERROR, "decode threw a non-standard exception");
    }
    return EB_FAILED;
}

} // namespace detail
} // namespace eventbus

/// Defines the plugin's entry symbol. KEYS is a static array of eb_config_key (may be empty via
/// EVENTBUS_PLUGIN_NO_KEYS).
#define EVENTBUS_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, KEYS)                                  \
    extern "C" __attribute__((visibility("default"))) const eb_plugin_descriptor*                  \
    EVENTBUS_PLUGIN_ENTRY(void) {                                                                  \
        static const eb_plugin_descriptor d = {EB_ABI_MAJOR,                                       \
                                               EB_ABI_MINOR,                                       \
                                               sizeof(eb_plugin_descriptor),                       \
                                               NAME,                                               \
                                               VERSION,                                            \
                                               DESCRIPTION,                                        \
                                               KEYS,                                               \
                                               sizeof(KEYS) / sizeof((KEYS)[0]),                   \
                                               &eventbus::detail::create<CLASS>,                   \
                                               &eventbus::detail::destroy<CLASS>,                  \
                                               &eventbus::detail::decode<CLASS>};                  \
        return &d;                                                                                 \
    }

#endif
