// The running daemon: plugins, dispatcher, ingress, admin listener and job runner, wired together
// from a configuration that was checked completely before anything here opens a socket or a file.
// EventBusApp owns the process (options, signals); Daemon owns what runs.
#ifndef EVENTBUS_HOST_DAEMON_H
#define EVENTBUS_HOST_DAEMON_H

#include "AdminServer.h"
#include "CommandJobExecutor.h"
#include "Config.h"
#include "Dispatcher.h"
#include "Ingress.h"
#include "IngressPipeline.h"
#include "JobExecutorRegistry.h"
#include "JobRunner.h"
#include "MetricsRegistry.h"
#include "PluginInstance.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace eventbus {

class EventStore;

class Daemon {
public:
    explicit Daemon(Settings settings);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Loads and creates the enabled plugins. Returns configuration problems (the daemon must not
    /// start); plugins whose create failed are logged and left out, the others run.
    std::vector<ConfigProblem> loadPlugins();
    /// Opens the store, starts delivery, binds and starts every listener. Throws
    /// std::runtime_error naming what could not be opened.
    void start();
    /// Builds the configuration in file and the plugin set beside the running ones and switches
    /// only when all of it is ready; on failure nothing changes and why says what was wrong.
    /// Plugins whose module and keys did not change keep their instance and their sockets.
    bool reload(const std::string& file, std::string& why);
    /// Closes ingress, drains until the drain deadline, stops the admin listener. Returns true when
    /// every accepted event was delivered.
    bool stop();

    MetricsRegistry& metrics() { return _metrics; }
    std::vector<std::shared_ptr<PluginInstance>> plugins() const;
    uint16_t port(const std::string& plugin, const std::string& listener) const;

private:
    /// The store events wait in between ingress and delivery; null means the dispatcher's
    /// in-memory store.
    std::shared_ptr<EventStore> makeStore();
    void registerExecutors(const PluginInstance& plugin);
    void unregisterExecutors(const PluginInstance& plugin);

    Settings _settings;
    MetricsRegistry _metrics;
    mutable std::mutex _pluginsMutex;
    std::vector<std::shared_ptr<PluginInstance>> _plugins;
    std::unique_ptr<Dispatcher> _dispatcher;
    std::unique_ptr<IngressPipeline> _pipeline;
    std::unique_ptr<Ingress> _ingress;
    std::unique_ptr<AdminServer> _admin;
    JobExecutorRegistry _executors;
    std::unique_ptr<CommandJobExecutor> _commandExecutor;
    std::unique_ptr<JobRunner> _jobRunner;
};

} // namespace eventbus

#endif
