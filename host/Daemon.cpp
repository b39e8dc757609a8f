#include "Daemon.h"

#include "EventStore.h"
#include "PluginLoader.h"
#include "SqliteSpool.h"
#include "SystemdNotifier.h"

#include <Poco/Logger.h>

#include <chrono>
#include <map>
#include <stdexcept>

namespace eventbus {

namespace {

Poco::Logger& logger() { return Poco::Logger::get("eventbusd"); }

bool sameConfig(const PluginSettings& a, const PluginSettings& b)
{
    if (a.path != b.path || a.keys.size() != b.keys.size()) return false;
    for (const auto& [key, v] : a.keys) {
        auto it = b.keys.find(key);
        if (it == b.keys.end() || it->second.value != v.value) return false;
    }
    return true;
}

std::string joinProblems(const std::vector<ConfigProblem>& problems)
{
    std::string out;
    for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p.str();
    return out;
}

} // namespace

Daemon::Daemon(Settings settings) : _settings(std::move(settings))
{
    _metrics.describe("eventbus_config_reloads_total", "counter", "SIGHUP reloads by result (success, failure)");
}

Daemon::~Daemon()
{
    if (_ingress) _ingress->stop();
    if (_admin) _admin->stop();
}

std::vector<ConfigProblem> Daemon::loadPlugins()
{
    std::vector<ConfigProblem> problems, failures;
    auto plugins = PluginLoader::load(_settings, _metrics, problems, failures);
    for (const auto& f : failures) logger().error(f.str() + " (plugin disabled; the others keep running)");
    std::lock_guard<std::mutex> lock(_pluginsMutex);
    _plugins = std::move(plugins);
    return problems;
}

std::vector<std::shared_ptr<PluginInstance>> Daemon::plugins() const
{
    std::lock_guard<std::mutex> lock(_pluginsMutex);
    return _plugins;
}

uint16_t Daemon::port(const std::string& plugin, const std::string& listener) const
{
    if (plugin == "host" && listener == "admin") return _admin ? _admin->port() : 0;
    return _ingress ? _ingress->port(plugin, listener) : 0;
}

std::shared_ptr<EventStore> Daemon::makeStore()
{
    if (!_settings.spool.durable()) return nullptr;
    // The dispatcher's own checks run first: a configuration it refuses never opens the spool.
    Dispatcher probe(_settings.dispatch, _metrics);
    std::vector<std::string> services;
    for (const auto& service : _settings.dispatch.services) services.push_back(service.name);
    return std::make_shared<SqliteSpool>(_settings.spool, services, _metrics);
}

void Daemon::registerExecutors(const PluginInstance& plugin)
{
    for (const auto& [type, entry] : plugin.jobExecutors())
        if (!_executors.add(type, entry.fn, entry.user))
            logger().error("plugin " + plugin.name() + ": job type " + type + " already has an executor; ignored");
}

void Daemon::unregisterExecutors(const PluginInstance& plugin)
{
    for (const auto& [type, entry] : plugin.jobExecutors()) _executors.removeUser(entry.user);
}

void Daemon::start()
{
    _dispatcher = std::make_unique<Dispatcher>(_settings.dispatch, _metrics, makeStore());
    _pipeline = std::make_unique<IngressPipeline>(*_dispatcher, _metrics);
    _ingress = std::make_unique<Ingress>(_settings, *_pipeline, _metrics);
    _ingress->openShared();
    for (const auto& p : plugins()) {
        _ingress->addPlugin(p);
        registerExecutors(*p);
    }
    if (!_settings.jobRunner.command.empty()) {
        _commandExecutor = std::make_unique<CommandJobExecutor>(
            _settings.jobRunner.command, std::chrono::seconds(_settings.jobRunner.timeoutSeconds),
            _settings.jobRunner.maxErrorBytes);
        _executors.add(JobExecutorRegistry::kAnyType, &CommandJobExecutor::execute, _commandExecutor.get());
    }
    if (auto* shared = _ingress->sharedServer()) {
        _jobRunner = std::make_unique<JobRunner>(_settings.jobRunner, _executors);
        shared->addEndpoint(JobRunner::kRoute, [this](const std::string& method, const std::string& contentType,
                                                      const std::string& body) {
            JobRunnerResponse r = _jobRunner->handle(method, contentType, body);
            IngressAnswer a;
            a.status = r.status;
            a.contentType = "application/json";
            a.body = std::move(r.body);
            return a;
        });
    }
    if (!_settings.admin.listen.empty()) {
        try {
            _admin = std::make_unique<AdminServer>(_settings.admin, _metrics, *_dispatcher, [this] { return plugins(); });
        } catch (const Poco::Exception& e) {
            throw std::runtime_error("admin.listen: cannot listen on " + _settings.admin.listen + ": " + e.displayText());
        }
        _admin->start();
    }
    for (auto& p : plugins()) p->setRunning();
    _dispatcher->start();
    _ingress->start();
    if (_admin) _admin->setStarted(true);
    SystemdNotifier::notify("READY=1\nSTATUS=delivering");
    logger().information("eventbusd " EVENTBUS_VERSION " started with " + std::to_string(plugins().size()) + " plugin(s)");
}

bool Daemon::reload(const std::string& file, std::string& why)
{
    auto fail = [&](const std::string& reason) {
        why = reason;
        // Logged before it is counted: whoever sees the count can find the reason.
        logger().error("reload failed, the running configuration stays: " + reason);
        _metrics.add("eventbus_config_reloads_total", {{"result", "failure"}});
        SystemdNotifier::notify("READY=1\nSTATUS=reload failed: " + reason.substr(0, 200));
        return false;
    };
    SystemdNotifier::notify("RELOADING=1");
    std::vector<ConfigProblem> problems;
    Settings next = Config::load(file, problems);
    if (!problems.empty()) return fail(joinProblems(problems));
    for (const auto& [key, value] : next.hostValues) {
        auto it = _settings.hostValues.find(key);
        if (it == _settings.hostValues.end() || it->second != value)
            return fail(key + " changed: changes outside plugin.* take effect at restart");
    }
    for (const auto& [key, value] : _settings.hostValues)
        if (!next.hostValues.count(key)) return fail(key + " removed: changes outside plugin.* take effect at restart");

    auto current = plugins();
    std::map<std::string, std::shared_ptr<PluginInstance>> byName;
    for (const auto& p : current) byName[p->name()] = p;
    Settings toLoad = next;
    toLoad.plugins.clear();
    std::vector<std::shared_ptr<PluginInstance>> kept, replaced;
    for (const auto& [name, ps] : next.plugins) {
        auto old = byName.find(name);
        auto oldSettings = _settings.plugins.find(name);
        if (!ps.enabled) continue;
        if (old != byName.end() && oldSettings != _settings.plugins.end() && sameConfig(oldSettings->second, ps))
            kept.push_back(old->second);
        else
            toLoad.plugins[name] = ps;
    }
    for (const auto& p : current) {
        bool isKept = false;
        for (const auto& k : kept) isKept = isKept || k == p;
        if (!isKept) replaced.push_back(p);
    }
    std::vector<ConfigProblem> failures;
    auto fresh = PluginLoader::load(toLoad, _metrics, problems, failures);
    problems.insert(problems.end(), failures.begin(), failures.end());
    if (!problems.empty()) return fail(joinProblems(problems));

    // Switch: close what goes away first (a changed plugin may reuse its address), then open the
    // new listeners; if one cannot be opened, put the old set back.
    for (const auto& p : replaced) {
        _ingress->removePlugin(p->name());
        unregisterExecutors(*p);
    }
    std::vector<std::shared_ptr<PluginInstance>> opened;
    try {
        for (const auto& p : fresh) {
            _ingress->addPlugin(p);
            opened.push_back(p);
        }
    } catch (const std::exception& e) {
        for (const auto& p : opened) _ingress->removePlugin(p->name());
        for (const auto& p : replaced) {
            try {
                _ingress->addPlugin(p);
                registerExecutors(*p);
            } catch (const std::exception& again) {
                logger().error("plugin " + p->name() + " could not be restored after a failed reload: " + again.what());
            }
        }
        return fail(e.what());
    }
    for (const auto& p : fresh) {
        registerExecutors(*p);
        p->setRunning();
    }
    std::vector<std::shared_ptr<PluginInstance>> all = kept;
    all.insert(all.end(), fresh.begin(), fresh.end());
    {
        std::lock_guard<std::mutex> lock(_pluginsMutex);
        _plugins = all;
    }
    _settings.plugins = next.plugins;
    _metrics.add("eventbus_config_reloads_total", {{"result", "success"}});
    logger().information("reloaded: " + std::to_string(kept.size()) + " plugin(s) kept, " + std::to_string(fresh.size()) +
                         " started, " + std::to_string(replaced.size()) + " stopped");
    SystemdNotifier::notify("READY=1\nSTATUS=delivering");
    why.clear();
    return true;
}

bool Daemon::stop()
{
    SystemdNotifier::notify("STOPPING=1");
    logger().information("stopping: closing ingress, draining for up to " + std::to_string(_settings.drainSeconds) + " s");
    if (_admin) _admin->setStarted(false);
    if (_ingress) _ingress->stop();
    bool drained = true;
    if (_dispatcher) {
        auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long long>(_settings.drainSeconds * 1000));
        drained = _dispatcher->drain(deadline);
        if (drained) logger().information("drained: every accepted event was delivered");
        else logger().warning("drain deadline reached with " + std::to_string(_dispatcher->backlog()) +
                              " event(s) undelivered");
    }
    if (_admin) _admin->stop();
    return drained;
}

} // namespace eventbus
