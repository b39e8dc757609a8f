#include "PluginLoader.h"

#include <Poco/File.h>
#include <Poco/Path.h>

#include <map>
#include <set>

#include <limits.h>
#include <unistd.h>

namespace eventbus {

namespace {

std::string executableDir()
{
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "";
    buf[n] = '\0';
    return Poco::Path(buf).parent().toString();
}

/// Checks an operator's keys against the plugin's table; returns the values with defaults.
std::map<std::string, std::string> checkKeys(const PluginSettings& ps, const PluginModule& module,
                                             std::vector<ConfigProblem>& problems)
{
    std::map<std::string, std::string> values;
    std::vector<std::string> names;
    std::map<std::string, eb_config_key> table;
    for (const auto& k : module.configKeys()) {
        if (!k.name) continue;
        table[k.name] = k;
        names.push_back(k.name);
    }
    for (const auto& [key, cv] : ps.keys) {
        auto it = table.find(key);
        const std::string full = "plugin." + ps.name + "." + key;
        if (it == table.end()) {
            std::string hint = Config::closest(key, names);
            problems.push_back({cv.file, full, "unknown key for plugin " + ps.name +
                                                   (hint.empty() ? std::string() : " (did you mean plugin." + ps.name + "." + hint + "?)")});
            continue;
        }
        std::string err = Config::checkType(it->second.type, cv.value);
        if (!err.empty()) {
            problems.push_back({cv.file, full, err});
            continue;
        }
        values[key] = cv.value;
    }
    for (const auto& [name, k] : table) {
        if (values.count(name)) continue;
        if (k.default_value) {
            values[name] = k.default_value;
        } else if (ps.enabled) {
            problems.push_back({ps.dropIn, "plugin." + ps.name + "." + name,
                                std::string("required: ") + (k.doc ? k.doc : "no default")});
        }
    }
    return values;
}

} // namespace

std::string PluginLoader::pluginDir(const Settings& settings)
{
    if (!settings.pluginDir.empty()) return settings.pluginDir;
    std::string exe = executableDir();
    if (!exe.empty()) {
        Poco::Path buildPlugins(Poco::Path(exe).parent());
        buildPlugins.pushDirectory("plugins");
        Poco::File f(buildPlugins);
        if (f.exists() && f.isDirectory()) return buildPlugins.toString();
    }
    return EVENTBUS_DEFAULT_PLUGIN_DIR;
}

std::vector<std::shared_ptr<PluginInstance>> PluginLoader::load(const Settings& settings, MetricsRegistry& metrics,
                                                                std::vector<ConfigProblem>& problems,
                                                                std::vector<ConfigProblem>& failures)
{
    std::vector<std::shared_ptr<PluginInstance>> out;
    const std::string dir = pluginDir(settings);
    std::map<std::string, std::string> nameToPath;
    std::map<std::string, std::string> addressOwner;
    std::map<std::string, std::string> routeOwner;

    for (const auto& [name, ps] : settings.plugins) {
        std::string path = ps.path.empty() ? Poco::Path(dir).append(name + ".so").toString() : ps.path;
        const std::string pathKey = "plugin." + name + (ps.path.empty() ? ".enabled" : ".path");
        if (!Poco::File(path).exists()) {
            if (ps.enabled) problems.push_back({ps.dropIn, pathKey, "plugin module not found: " + path});
            continue;
        }
        std::shared_ptr<PluginModule> module;
        try {
            module = PluginModule::open(path);
        } catch (const std::exception& e) {
            problems.push_back({ps.dropIn, pathKey, e.what()});
            continue;
        }
        if (module->name() != name) {
            problems.push_back({ps.dropIn, pathKey, path + " is the plugin '" + module->name() +
                                                        "', not '" + name + "'"});
            continue;
        }
        size_t before = problems.size();
        auto values = checkKeys(ps, *module, problems);
        if (!ps.enabled || problems.size() != before) continue;
        auto dup = nameToPath.find(module->name());
        if (dup != nameToPath.end()) {
            problems.push_back({ps.dropIn, pathKey, "duplicate plugin name '" + module->name() + "': " + path +
                                                        " and " + dup->second});
            continue;
        }
        nameToPath[module->name()] = path;

        auto instance = std::make_shared<PluginInstance>(module, values, settings.dispatch.streamNamesMap, metrics);
        try {
            instance->create();
        } catch (const std::exception& e) {
            failures.push_back({ps.dropIn, "plugin." + name, e.what()});
            continue;
        }
        bool listenersOk = true;
        for (const auto& l : instance->listeners()) {
            const std::string where = "plugin " + name + " listener " + l.name;
            if (l.kind == EB_LISTEN_EXEC_LINES) continue;
            if (!l.address.empty()) {
                std::string err = Config::checkType(EB_CFG_ADDRESS, l.address);
                if (!err.empty()) {
                    problems.push_back({ps.dropIn, "plugin." + name, where + ": " + err});
                    listenersOk = false;
                    continue;
                }
                std::string proto = l.kind == EB_LISTEN_UDP ? "udp " : "tcp ";
                auto owner = addressOwner.find(proto + l.address);
                if (owner != addressOwner.end()) {
                    problems.push_back({ps.dropIn, "plugin." + name, where + ": address " + l.address +
                                                                         " is already used by " + owner->second});
                    listenersOk = false;
                }
                addressOwner[proto + l.address] = where;
                if (l.kind == EB_LISTEN_HTTP || l.kind == EB_LISTEN_TCP_LINES) {
                    if (settings.http.listen == l.address) {
                        problems.push_back({ps.dropIn, "plugin." + name, where + ": address " + l.address +
                                                                             " is the shared HTTP ingress address"});
                        listenersOk = false;
                    }
                }
            } else if (l.kind == EB_LISTEN_HTTP) {
                if (settings.http.listen.empty()) {
                    problems.push_back({ps.dropIn, "plugin." + name, where + ": route " + l.route +
                                                                         " needs the shared HTTP ingress (ingress.http.listen is empty)"});
                    listenersOk = false;
                }
                auto owner = routeOwner.find(l.route);
                if (owner != routeOwner.end()) {
                    problems.push_back({ps.dropIn, "plugin." + name, where + ": route " + l.route +
                                                                         " is already used by " + owner->second});
                    listenersOk = false;
                }
                routeOwner[l.route] = where;
            }
        }
        if (listenersOk) out.push_back(instance);
    }
    return out;
}

} // namespace eventbus
