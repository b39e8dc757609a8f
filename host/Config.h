// The daemon's configuration: a main properties file plus drop-ins from its conf.d folder, read in
// lexical order, checked key by key. Every problem names the file and the key, so an operator can
// fix a configuration from the error alone.
#ifndef EVENTBUS_HOST_CONFIG_H
#define EVENTBUS_HOST_CONFIG_H

#include "DispatchSettings.h"
#include "SpoolSettings.h"
#include "JobRunnerSettings.h"

#include <map>
#include <string>
#include <vector>

namespace eventbus {

/// One configuration problem: where it is and what is wrong.
struct ConfigProblem {
    std::string file;
    std::string key;
    std::string message;
    std::string str() const; ///< "file:key: message"
};

/// A configuration value with the file it came from.
struct ConfigValue {
    std::string value;
    std::string file;
};

/// What an operator configured for one plugin (keys below plugin.<name>.).
struct PluginSettings {
    std::string name;
    bool enabled = false;
    std::string path;                          ///< the module; empty: <plugin_dir>/<name>.so
    std::string dropIn;                        ///< the file that configures it (for messages)
    std::map<std::string, ConfigValue> keys;   ///< plugin keys, unchecked until the plugin is loaded
};

/// Limits and address of the host's shared HTTP ingress server.
struct HttpIngressSettings {
    std::string listen = "127.0.0.1:8085"; ///< empty: no shared server
    size_t maxBodyBytes = 4194304;
    int maxConnections = 256;
    int maxHeaders = 64;
    double timeoutSeconds = 30;
    int threads = 8;
};

/// The host's UDP listeners (every plugin's UDP sockets).
struct UdpIngressSettings {
    /// Threads receiving and decoding from each UDP socket; datagrams keep their arrival order
    /// with any number. Two: one thread's decoding bounds the RC feed on a busy 2-core machine.
    int threads = 2;
    /// Microseconds a small set of datagrams waits for more before its submission (one durable
    /// commit each); 0: none. At 130,000 RC feed datagrams/s a millisecond makes commits five
    /// times fewer (README, Benchmark).
    long long lingerUs = 1000; ///< 64 bits, so a huge value is refused rather than wrapped into range
};

/// The admin listener: metrics, health, readiness, plugin states.
struct AdminSettings {
    std::string listen = "127.0.0.1:9386"; ///< empty: no admin listener
    double readyStallSeconds = 60; ///< unready when a backlog waits this long with nothing delivered
};

struct Settings {
    std::string mainFile;
    std::string stateDir = ".";      ///< relative paths (file: services, dead letters) resolve here
    std::string pluginDir;           ///< empty: next to the executable, else the installed dir
    double drainSeconds = 10;
    std::string logLevel = "information";
    std::string logFormat = "text";
    bool allowRoot = false;
    HttpIngressSettings http;
    UdpIngressSettings udp;
    AdminSettings admin;
    JobRunnerSettings jobRunner;
    DispatchSettings dispatch;
    SpoolSettings spool;
    std::map<std::string, PluginSettings> plugins;
    /// Every key that is not plugin.*, as written: a reload compares them to see whether anything
    /// beyond the plugin set changed.
    std::map<std::string, std::string> hostValues;
};

class Config {
public:
    /// Reads mainFile and its drop-ins. Problems are appended, never thrown: --validate prints all.
    static Settings load(const std::string& mainFile, std::vector<ConfigProblem>& problems);

    /// Checks one value against a plugin-ABI type (EB_CFG_*); returns an error message or "".
    static std::string checkType(int ebType, const std::string& value);
    /// Parses true/false/yes/no/on/off/1/0; throws std::invalid_argument otherwise.
    static bool parseBool(const std::string& value);
    /// The closest of candidates to key, for "did you mean" hints; "" when nothing is close.
    static std::string closest(const std::string& key, const std::vector<std::string>& candidates);
};

} // namespace eventbus

#endif
