// Turns the plugin drop-ins into created plugin instances: finds each module, checks its ABI and
// its configuration keys against its declarative table, creates the enabled ones.
#ifndef EVENTBUS_HOST_PLUGINLOADER_H
#define EVENTBUS_HOST_PLUGINLOADER_H

#include "Config.h"
#include "PluginInstance.h"

#include <memory>
#include <vector>

namespace eventbus {

class MetricsRegistry;

class PluginLoader {
public:
    /// The folder plugins are loaded from: the configured one, else build/plugins next to a
    /// build-tree executable, else the installed folder.
    static std::string pluginDir(const Settings& settings);

    /// Loads and creates every enabled plugin. Configuration errors go to problems (the daemon
    /// refuses to start); a plugin whose create fails goes to failures and is left out (the
    /// daemon runs without it). Disabled plugins whose module exists are opened only to check
    /// their keys. Listener addresses and HTTP routes are checked for clashes.
    static std::vector<std::shared_ptr<PluginInstance>> load(const Settings& settings, MetricsRegistry& metrics,
                                                             std::vector<ConfigProblem>& problems,
                                                             std::vector<ConfigProblem>& failures);
};

} // namespace eventbus

#endif
