#include "Config.h"
#include "SpoolRecords.h"

#include "eventbus/plugin.h"

#include <Poco/AutoPtr.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/URI.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <algorithm>
#include <functional>
#include <set>

namespace eventbus {

namespace {

using Raw = std::map<std::string, ConfigValue>;

void collectKeys(const Poco::Util::AbstractConfiguration& cfg, const std::string& prefix,
                 const std::string& file, Raw& out)
{
    Poco::Util::AbstractConfiguration::Keys keys;
    cfg.keys(prefix, keys);
    for (const auto& k : keys) {
        std::string full = prefix.empty() ? k : prefix + "." + k;
        if (cfg.has(full)) {
            std::string v = cfg.getRawString(full, "");
            out[full] = ConfigValue{v, file};
        }
        // A line with an empty key (": value") lists "" under every prefix: recursing on it
        // would never end.
        if (!k.empty()) collectKeys(cfg, full, file, out);
    }
}

bool readFile(const std::string& path, Raw& out, std::vector<ConfigProblem>& problems)
{
    try {
        Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> cfg(
            new Poco::Util::PropertyFileConfiguration(path));
        collectKeys(*cfg, "", path, out);
        return true;
    } catch (const Poco::Exception& e) {
        problems.push_back({path, "", "cannot read configuration file: " + e.displayText()});
    } catch (const std::exception& e) {
        problems.push_back({path, "", std::string("cannot read configuration file: ") + e.what()});
    }
    return false;
}

/// A host key: its ABI type (for checking) and how it lands in Settings.
struct HostKey {
    int type;
    const char* doc;
    std::function<void(Settings&, const std::string&)> apply;
};

double toDouble(const std::string& v) { return Poco::NumberParser::parseFloat(v); }
long long toInt(const std::string& v) { return Poco::NumberParser::parse64(v); }

const std::map<std::string, HostKey>& hostKeys()
{
    static const std::map<std::string, HostKey> keys = {
        {"eventbusd.conf_dir", {EB_CFG_STRING, "drop-in folder, relative to the main file", nullptr}},
        {"eventbusd.plugin_dir", {EB_CFG_STRING, "where plugin modules are",
            [](Settings& s, const std::string& v) { s.pluginDir = v; }}},
        {"eventbusd.state_dir", {EB_CFG_STRING, "where relative data paths resolve",
            [](Settings& s, const std::string& v) { s.stateDir = v; }}},
        {"eventbusd.drain_timeout", {EB_CFG_DOUBLE, "seconds SIGTERM waits for delivery",
            [](Settings& s, const std::string& v) { s.drainSeconds = toDouble(v); }}},
        {"eventbusd.log_level", {EB_CFG_STRING, "fatal..trace",
            [](Settings& s, const std::string& v) { s.logLevel = v; }}},
        {"eventbusd.log_format", {EB_CFG_STRING, "text or json",
            [](Settings& s, const std::string& v) { s.logFormat = v; }}},
        {"eventbusd.allow_root", {EB_CFG_BOOL, "permit running as root",
            [](Settings& s, const std::string& v) { s.allowRoot = Config::parseBool(v); }}},
        {"eventbusd.enable", {EB_CFG_STRING, "EnableEventBus mask",
            [](Settings& s, const std::string& v) { s.dispatch.enable = v; }}},
        {"eventbusd.default_service", {EB_CFG_STRING, "EventServiceDefault",
            [](Settings& s, const std::string& v) { s.dispatch.defaultService = v; }}},
        {"eventbusd.stream_config", {EB_CFG_BOOL, "route by stream.* entries",
            [](Settings& s, const std::string& v) { s.dispatch.streamConfig = Config::parseBool(v); }}},
        {"eventbusd.dead_letter_path", {EB_CFG_STRING, "JSON-lines dead letters",
            [](Settings& s, const std::string& v) { s.dispatch.deadLetterPath = v; }}},
        {"eventbusd.memory_budget_bytes", {EB_CFG_INT, "bytes of events held in memory",
            [](Settings& s, const std::string& v) { s.dispatch.memoryBudgetBytes = static_cast<size_t>(toInt(v)); }}},
        {"spool.mode", {EB_CFG_STRING, "durable (a SQLite file per service) or memory",
            [](Settings& s, const std::string& v) { s.spool.mode = v; }}},
        {"spool.dir", {EB_CFG_STRING, "folder of the spool files, relative to the state folder",
            [](Settings& s, const std::string& v) { s.spool.dir = v; }}},
        {"spool.fsync", {EB_CFG_STRING, "always (every commit) or interval",
            [](Settings& s, const std::string& v) { s.spool.fsync = v; }}},
        {"spool.fsync_interval_ms", {EB_CFG_INT, "longest time between fsyncs with spool.fsync = interval",
            [](Settings& s, const std::string& v) { s.spool.fsyncIntervalMs = static_cast<int>(toInt(v)); }}},
        {"spool.max_bytes", {EB_CFG_INT, "disk budget per event service",
            [](Settings& s, const std::string& v) { s.spool.maxBytes = static_cast<uint64_t>(toInt(v)); }}},
        {"spool.requeue_poll_ms", {EB_CFG_INT, "how often requeued dead letters are looked for",
            [](Settings& s, const std::string& v) { s.spool.requeuePollMs = static_cast<int>(toInt(v)); }}},
        {"ingress.http.listen", {EB_CFG_STRING, "shared HTTP ingress host:port, empty for none",
            [](Settings& s, const std::string& v) { s.http.listen = v; }}},
        {"ingress.http.max_body_bytes", {EB_CFG_INT, "largest request body",
            [](Settings& s, const std::string& v) { s.http.maxBodyBytes = static_cast<size_t>(toInt(v)); }}},
        {"ingress.http.max_connections", {EB_CFG_INT, "concurrent connections",
            [](Settings& s, const std::string& v) { s.http.maxConnections = static_cast<int>(toInt(v)); }}},
        {"ingress.http.max_headers", {EB_CFG_INT, "header fields per request",
            [](Settings& s, const std::string& v) { s.http.maxHeaders = static_cast<int>(toInt(v)); }}},
        {"ingress.http.timeout", {EB_CFG_DOUBLE, "seconds a client may take",
            [](Settings& s, const std::string& v) { s.http.timeoutSeconds = toDouble(v); }}},
        {"ingress.http.threads", {EB_CFG_INT, "request worker threads",
            [](Settings& s, const std::string& v) { s.http.threads = static_cast<int>(toInt(v)); }}},
        {"ingress.udp.threads", {EB_CFG_INT, "threads receiving from each UDP socket",
            [](Settings& s, const std::string& v) { s.udp.threads = static_cast<int>(toInt(v)); }}},
        {"ingress.udp.linger_us", {EB_CFG_INT, "microseconds a small set of datagrams waits for more before its commit",
            [](Settings& s, const std::string& v) { s.udp.lingerUs = toInt(v); }}},
        {"admin.listen", {EB_CFG_STRING, "admin host:port (metrics, health), empty for none",
            [](Settings& s, const std::string& v) { s.admin.listen = v; }}},
        {"admin.ready_stall_seconds", {EB_CFG_DOUBLE, "backlog age without delivery that makes /readyz fail",
            [](Settings& s, const std::string& v) { s.admin.readyStallSeconds = toDouble(v); }}},
        {"jobrunner.enabled", {EB_CFG_BOOL, "serve POST /eventbus/v0/internal/job/execute",
            [](Settings& s, const std::string& v) { s.jobRunner.enabled = Config::parseBool(v); }}},
        {"jobrunner.secret", {EB_CFG_SECRET, "$wgSecretKey: the job signature key",
            [](Settings& s, const std::string& v) { s.jobRunner.secret = v; }}},
        {"jobrunner.read_only", {EB_CFG_BOOL, "answer 423 as a read-only wiki",
            [](Settings& s, const std::string& v) { s.jobRunner.readOnly = Config::parseBool(v); }}},
        {"jobrunner.command", {EB_CFG_STRING, "command run per job, job event on stdin",
            [](Settings& s, const std::string& v) { s.jobRunner.command = v; }}},
        {"jobrunner.timeout", {EB_CFG_INT, "seconds before the command is killed",
            [](Settings& s, const std::string& v) { s.jobRunner.timeoutSeconds = static_cast<long>(toInt(v)); }}},
        {"jobrunner.max_error_bytes", {EB_CFG_INT, "stderr kept for a failed job's answer",
            [](Settings& s, const std::string& v) { s.jobRunner.maxErrorBytes = static_cast<size_t>(toInt(v)); }}},
    };
    return keys;
}

/// Service attributes: service.<name>.<attr>.
const std::map<std::string, HostKey>& serviceKeys()
{
    static const std::map<std::string, HostKey> keys = {
        {"url", {EB_CFG_STRING, "http://host:port/v1/events or file:/path", nullptr}},
        {"timeout", {EB_CFG_DOUBLE, "request timeout seconds; 0 means 10", nullptr}},
        {"connect_timeout", {EB_CFG_DOUBLE, "connect timeout seconds", nullptr}},
        {"connections", {EB_CFG_INT, "keep-alive connections (concurrent requests)", nullptr}},
        {"x_client_ip_forwarding", {EB_CFG_BOOL, "send x-client-ip", nullptr}},
        {"hasty", {EB_CFG_BOOL, "append ?hasty=true", nullptr}},
        {"max_batch_bytes", {EB_CFG_INT, "largest request body", nullptr}},
        {"max_batch_events", {EB_CFG_INT, "most events per request", nullptr}},
        {"linger_ms", {EB_CFG_INT, "how long a partial batch waits", nullptr}},
        {"backoff_base_ms", {EB_CFG_INT, "first retry delay", nullptr}},
        {"backoff_max_ms", {EB_CFG_INT, "longest retry delay", nullptr}},
        {"max_event_errors", {EB_CFG_INT, "dead-letter an event EventGate reported as error this often", nullptr}},
    };
    return keys;
}

const std::size_t kEventGateMaxBody = 4194304;

void applyService(ServiceSettings& svc, const std::string& attr, const std::string& v)
{
    if (attr == "url") svc.url = v;
    else if (attr == "timeout") svc.timeoutSeconds = toDouble(v) > 0 ? toDouble(v) : 10;
    else if (attr == "connect_timeout") svc.connectTimeoutSeconds = toDouble(v);
    else if (attr == "connections") svc.connections = static_cast<int>(toInt(v));
    else if (attr == "x_client_ip_forwarding") svc.forwardClientIp = Config::parseBool(v);
    else if (attr == "hasty") svc.hasty = Config::parseBool(v);
    else if (attr == "max_batch_bytes") svc.maxBatchBytes = static_cast<size_t>(toInt(v));
    else if (attr == "max_batch_events") svc.maxBatchEvents = static_cast<size_t>(toInt(v));
    else if (attr == "linger_ms") svc.lingerMs = static_cast<int>(toInt(v));
    else if (attr == "backoff_base_ms") svc.backoffBaseMs = static_cast<int>(toInt(v));
    else if (attr == "backoff_max_ms") svc.backoffMaxMs = static_cast<int>(toInt(v));
    else if (attr == "max_event_errors") svc.maxEventErrors = static_cast<int>(toInt(v));
}

std::vector<std::string> knownKeyNames()
{
    std::vector<std::string> names;
    for (const auto& k : hostKeys()) names.push_back(k.first);
    for (const auto& k : serviceKeys()) names.push_back("service.<name>." + k.first);
    names.push_back("stream.<name>.service");
    names.push_back("stream.<name>.enabled");
    names.push_back("stream_map.<name>");
    names.push_back("plugin.<name>.enabled");
    names.push_back("plugin.<name>.path");
    return names;
}

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

void checkServiceUrl(const ServiceSettings& svc, const std::string& file, std::vector<ConfigProblem>& problems)
{
    const std::string key = "service." + svc.name + ".url";
    if (svc.url.empty()) {
        problems.push_back({file, key, "missing: every event service needs a url"});
        return;
    }
    if (startsWith(svc.url, "file:")) {
        if (svc.url.size() == 5) problems.push_back({file, key, "file: needs a path, e.g. file:events.jsonl"});
        return;
    }
    try {
        Poco::URI uri(svc.url);
        if (uri.getScheme() != "http")
            problems.push_back({file, key, "unsupported scheme '" + uri.getScheme() +
                                               "': use http:// (EventGate) or file:"});
        else if (uri.getHost().empty())
            problems.push_back({file, key, "no host in '" + svc.url + "'"});
    } catch (const Poco::Exception& e) {
        problems.push_back({file, key, "not a URL: " + e.displayText()});
    }
}

/// Data paths are relative to the state folder (the unit's StateDirectory), never to the
/// configuration folder, so a packaged /etc configuration never writes under /etc.
void resolveDataPaths(Settings& s)
{
    auto resolve = [&](const std::string& p) {
        Poco::Path path(p);
        if (path.isAbsolute()) return p;
        return Poco::Path(Poco::Path(s.stateDir).absolute().makeDirectory()).resolve(path).toString();
    };
    s.dispatch.deadLetterPath = resolve(s.dispatch.deadLetterPath);
    s.spool.dir = resolve(s.spool.dir);
    for (auto& svc : s.dispatch.services)
        if (startsWith(svc.url, "file:") && svc.url.size() > 5) svc.url = "file:" + resolve(svc.url.substr(5));
}

} // namespace

std::string ConfigProblem::str() const
{
    std::string s = file;
    if (!key.empty()) s += ":" + key;
    return s + ": " + message;
}

bool Config::parseBool(const std::string& value)
{
    std::string v = value;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
    if (v == "false" || v == "no" || v == "off" || v == "0") return false;
    throw std::invalid_argument("not a boolean: '" + value + "' (use true or false)");
}

std::string Config::checkType(int ebType, const std::string& value)
{
    try {
        switch (ebType) {
        case EB_CFG_INT: {
            Poco::Int64 n;
            if (!Poco::NumberParser::tryParse64(value, n)) return "not an integer: '" + value + "'";
            return "";
        }
        case EB_CFG_DOUBLE: {
            double d;
            if (!Poco::NumberParser::tryParseFloat(value, d)) return "not a number: '" + value + "'";
            return "";
        }
        case EB_CFG_BOOL:
            parseBool(value);
            return "";
        case EB_CFG_ADDRESS: {
            auto colon = value.rfind(':');
            if (colon == std::string::npos || colon == 0) return "not host:port: '" + value + "'";
            std::string host = value.substr(0, colon);
            if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
            unsigned port;
            if (!Poco::NumberParser::tryParseUnsigned(value.substr(colon + 1), port) || port > 65535)
                return "bad port in '" + value + "'";
            Poco::Net::IPAddress ip;
            if (host != "localhost" && !Poco::Net::IPAddress::tryParse(host, ip))
                return "not an IP address or localhost: '" + host + "'";
            return "";
        }
        default:
            return "";
        }
    } catch (const std::exception& e) {
        return e.what();
    }
}

std::string Config::closest(const std::string& key, const std::vector<std::string>& candidates)
{
    auto distance = [](const std::string& a, const std::string& b) {
        std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
        for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
        for (size_t i = 1; i <= a.size(); ++i) {
            cur[0] = i;
            for (size_t j = 1; j <= b.size(); ++j)
                cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
            std::swap(prev, cur);
        }
        return prev[b.size()];
    };
    std::string best;
    size_t bestD = std::max<size_t>(3, key.size() / 4) + 1;
    for (const auto& c : candidates) {
        size_t d = distance(key, c);
        if (d < bestD) {
            bestD = d;
            best = c;
        }
    }
    return best;
}

Settings Config::load(const std::string& mainFile, std::vector<ConfigProblem>& problems)
{
    Settings s;
    s.mainFile = mainFile;
    Raw raw;
    if (!readFile(mainFile, raw, problems)) return s;

    std::string confDir = "conf.d";
    auto cd = raw.find("eventbusd.conf_dir");
    if (cd != raw.end()) confDir = cd->second.value;
    Poco::Path dir(confDir);
    if (dir.isRelative()) dir = Poco::Path(Poco::Path(mainFile).absolute().parent()).append(confDir);
    Poco::File dirFile(dir);
    if (dirFile.exists() && dirFile.isDirectory()) {
        std::vector<std::string> files;
        for (Poco::DirectoryIterator it(dirFile), end; it != end; ++it)
            if (Poco::Path(it->path()).getExtension() == "properties") files.push_back(it->path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) readFile(f, raw, problems);
    } else if (cd != raw.end()) {
        problems.push_back({cd->second.file, "eventbusd.conf_dir", "not a folder: " + dir.toString()});
    }

    std::map<std::string, ServiceSettings> services;
    std::map<std::string, std::string> serviceFile;
    std::vector<std::pair<std::string, ConfigValue>> streamEntries; // in file order below
    const auto known = knownKeyNames();

    for (const auto& [key, cv] : raw) {
        const std::string& v = cv.value;
        if (!startsWith(key, "plugin.")) s.hostValues[key] = v;
        auto hk = hostKeys().find(key);
        if (hk != hostKeys().end()) {
            std::string err = checkType(hk->second.type, v);
            if (!err.empty()) {
                problems.push_back({cv.file, key, err});
                continue;
            }
            if (hk->second.apply) hk->second.apply(s, v);
            continue;
        }
        if (startsWith(key, "service.")) {
            auto dot = key.find('.', 8);
            std::string name = dot == std::string::npos ? "" : key.substr(8, dot - 8);
            std::string attr = dot == std::string::npos ? "" : key.substr(dot + 1);
            auto sk = serviceKeys().find(attr);
            if (name.empty() || sk == serviceKeys().end()) {
                std::string hint = closest(attr, [] {
                    std::vector<std::string> n;
                    for (const auto& k : serviceKeys()) n.push_back(k.first);
                    return n;
                }());
                problems.push_back({cv.file, key, "unknown service key" +
                                                      (hint.empty() ? std::string() : " (did you mean service." + name + "." + hint + "?)")});
                continue;
            }
            std::string err = checkType(sk->second.type, v);
            if (!err.empty()) {
                problems.push_back({cv.file, key, err});
                continue;
            }
            auto& svc = services[name];
            svc.name = name;
            applyService(svc, attr, v);
            if (attr == "url" || !serviceFile.count(name)) serviceFile[name] = cv.file;
            continue;
        }
        if (startsWith(key, "stream_map.") && key.size() > 11) {
            s.dispatch.streamNamesMap[key.substr(11)] = v;
            continue;
        }
        if (startsWith(key, "stream.")) {
            auto dot = key.rfind('.');
            std::string attr = key.substr(dot + 1);
            if (dot > 7 && (attr == "service" || attr == "enabled" || attr == "destination_event_service")) {
                if (attr == "enabled") {
                    std::string err = checkType(EB_CFG_BOOL, v);
                    if (!err.empty()) {
                        problems.push_back({cv.file, key, err});
                        continue;
                    }
                }
                streamEntries.emplace_back(key, cv);
                continue;
            }
            problems.push_back({cv.file, key, "unknown stream key: use stream.<name>.service, .enabled or "
                                              ".destination_event_service"});
            continue;
        }
        if (startsWith(key, "plugin.")) {
            auto dot = key.find('.', 7);
            if (dot == std::string::npos || dot == 7) {
                problems.push_back({cv.file, key, "expected plugin.<name>.<key>"});
                continue;
            }
            std::string name = key.substr(7, dot - 7);
            std::string pkey = key.substr(dot + 1);
            auto& p = s.plugins[name];
            p.name = name;
            if (p.dropIn.empty()) p.dropIn = cv.file;
            if (pkey == "enabled") {
                std::string err = checkType(EB_CFG_BOOL, v);
                if (!err.empty()) problems.push_back({cv.file, key, err});
                else p.enabled = parseBool(v);
            } else if (pkey == "path") {
                p.path = v;
            } else {
                p.keys[pkey] = cv;
            }
            continue;
        }
        std::string hint = closest(key, known);
        problems.push_back({cv.file, key, "unknown key" + (hint.empty() ? std::string() : " (did you mean " + hint + "?)")});
    }

    // Streams keep a stable order (regex keys are tried in order): sorted by name, as the
    // properties format has no order of its own.
    std::map<std::string, StreamSettings> streams;
    for (const auto& [key, cv] : streamEntries) {
        auto dot = key.rfind('.');
        std::string name = key.substr(7, dot - 7);
        std::string attr = key.substr(dot + 1);
        auto& st = streams[name];
        st.name = name;
        if (attr == "service" || attr == "destination_event_service") {
            (attr == "service" ? st.service : st.destinationEventService) = cv.value;
            if (!cv.value.empty() && !services.count(cv.value))
                problems.push_back({cv.file, key, "names the event service '" + cv.value +
                                                      "', which has no service." + cv.value + ".url"});
        } else {
            st.enabled = parseBool(cv.value);
        }
    }
    for (auto& [name, st] : streams) s.dispatch.streams.push_back(st);

    for (auto& [name, svc] : services) {
        checkServiceUrl(svc, serviceFile[name], problems);
        if (svc.maxBatchBytes == 0 || svc.maxBatchBytes > kEventGateMaxBody)
            problems.push_back({serviceFile[name], "service." + name + ".max_batch_bytes",
                                "must be 1.." + std::to_string(kEventGateMaxBody) + " (EventGate's body limit)"});
        if (svc.connections < 1 || svc.connections > 64)
            problems.push_back({serviceFile[name], "service." + name + ".connections", "must be 1..64"});
        if (svc.maxBatchEvents < 1)
            problems.push_back({serviceFile[name], "service." + name + ".max_batch_events", "must be at least 1"});
        s.dispatch.services.push_back(svc);
    }

    auto fileOf = [&](const std::string& key) {
        auto it = raw.find(key);
        return it == raw.end() ? mainFile : it->second.file;
    };
    if (services.empty()) {
        problems.push_back({mainFile, "service.<name>.url", "no event service configured"});
    } else if (s.dispatch.defaultService.empty()) {
        if (services.size() == 1) s.dispatch.defaultService = services.begin()->first;
        else problems.push_back({mainFile, "eventbusd.default_service", "required when several services are configured"});
    } else if (!services.count(s.dispatch.defaultService)) {
        problems.push_back({fileOf("eventbusd.default_service"), "eventbusd.default_service",
                            "names '" + s.dispatch.defaultService + "', which has no service." +
                                s.dispatch.defaultService + ".url"});
    }

    static const std::set<std::string> levels = {"none", "fatal", "critical", "error", "warning",
                                                 "notice", "information", "debug", "trace"};
    if (!levels.count(s.logLevel))
        problems.push_back({fileOf("eventbusd.log_level"), "eventbusd.log_level",
                            "must be one of fatal, critical, error, warning, notice, information, debug, trace"});
    if (s.logFormat != "text" && s.logFormat != "json")
        problems.push_back({fileOf("eventbusd.log_format"), "eventbusd.log_format", "must be text or json"});
    if (!s.http.listen.empty()) {
        std::string err = checkType(EB_CFG_ADDRESS, s.http.listen);
        if (!err.empty()) problems.push_back({fileOf("ingress.http.listen"), "ingress.http.listen", err});
    }
    if (s.http.maxBodyBytes < 1)
        problems.push_back({fileOf("ingress.http.max_body_bytes"), "ingress.http.max_body_bytes", "must be positive"});
    else if (s.http.maxBodyBytes > SpoolRecords::MAX_RECORD_BYTES)
        problems.push_back({fileOf("ingress.http.max_body_bytes"), "ingress.http.max_body_bytes",
            "must be at most " + std::to_string(SpoolRecords::MAX_RECORD_BYTES) + " (the largest event the spool stores)"});
    if (s.udp.threads < 1 || s.udp.threads > 64)
        problems.push_back({fileOf("ingress.udp.threads"), "ingress.udp.threads", "must be between 1 and 64"});
    if (s.udp.lingerUs < 0 || s.udp.lingerUs > 100000)
        problems.push_back({fileOf("ingress.udp.linger_us"), "ingress.udp.linger_us", "must be between 0 and 100000"});
    if (!s.admin.listen.empty()) {
        std::string err = checkType(EB_CFG_ADDRESS, s.admin.listen);
        if (!err.empty()) problems.push_back({fileOf("admin.listen"), "admin.listen", err});
    }
    if (s.jobRunner.enabled && s.jobRunner.secret.empty())
        problems.push_back({fileOf("jobrunner.enabled"), "jobrunner.secret",
                            "required when jobrunner.enabled = true: jobs are signed with it"});
    if (s.jobRunner.enabled && s.http.listen.empty())
        problems.push_back({fileOf("jobrunner.enabled"), "jobrunner.enabled",
                            "needs the shared HTTP ingress (ingress.http.listen is empty)"});
    if (s.jobRunner.timeoutSeconds < 1)
        problems.push_back({fileOf("jobrunner.timeout"), "jobrunner.timeout", "must be at least 1"});
    if (s.drainSeconds < 0)
        problems.push_back({fileOf("eventbusd.drain_timeout"), "eventbusd.drain_timeout", "must not be negative"});
    // A negative value arrives wrapped to a huge size, hence the upper bound.
    if (s.dispatch.memoryBudgetBytes < (size_t(1) << 20) || s.dispatch.memoryBudgetBytes > (size_t(1) << 50))
        problems.push_back({fileOf("eventbusd.memory_budget_bytes"), "eventbusd.memory_budget_bytes",
                            "must be 1048576..1125899906842624 (1 MB to 1 PB)"});
    if (s.spool.mode != "durable" && s.spool.mode != "memory")
        problems.push_back({fileOf("spool.mode"), "spool.mode", "must be durable or memory"});
    if (s.spool.fsync != "always" && s.spool.fsync != "interval")
        problems.push_back({fileOf("spool.fsync"), "spool.fsync", "must be always or interval"});
    if (s.spool.fsyncIntervalMs < 1 || s.spool.fsyncIntervalMs > 60000)
        problems.push_back({fileOf("spool.fsync_interval_ms"), "spool.fsync_interval_ms", "must be 1..60000"});
    if (s.spool.maxBytes < 65536 || s.spool.maxBytes > (uint64_t(1) << 50))
        problems.push_back({fileOf("spool.max_bytes"), "spool.max_bytes", "must be at least 65536"});
    if (s.spool.requeuePollMs < 10 || s.spool.requeuePollMs > 600000)
        problems.push_back({fileOf("spool.requeue_poll_ms"), "spool.requeue_poll_ms", "must be 10..600000"});
    if (s.spool.dir.empty())
        problems.push_back({fileOf("spool.dir"), "spool.dir", "must not be empty"});
    if (s.dispatch.deadLetterPath.empty()) s.dispatch.deadLetterPath = "dead-letters.jsonl";
    resolveDataPaths(s);
    return s;
}

} // namespace eventbus
