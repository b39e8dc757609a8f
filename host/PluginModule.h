// One plugin shared object, opened and checked against the host's ABI before anything of it runs.
#ifndef EVENTBUS_HOST_PLUGINMODULE_H
#define EVENTBUS_HOST_PLUGINMODULE_H

#include "eventbus/plugin.h"

#include <memory>
#include <string>
#include <vector>

namespace eventbus {

class PluginModule {
public:
    /// Opens path with RTLD_NOW | RTLD_LOCAL after checking it is not writable by group or others,
    /// then checks the entry symbol and the ABI major. Throws std::runtime_error with a message
    /// naming the file, the plugin's ABI and the host's.
    static std::shared_ptr<PluginModule> open(const std::string& path);
    ~PluginModule();
    PluginModule(const PluginModule&) = delete;
    PluginModule& operator=(const PluginModule&) = delete;

    const std::string& path() const { return _path; }
    const eb_plugin_descriptor& descriptor() const { return _descriptor; }
    std::string name() const { return _descriptor.name ? _descriptor.name : ""; }
    std::string version() const { return _descriptor.version ? _descriptor.version : ""; }
    std::string abi() const;
    /// The declarative config table, empty when the plugin has none.
    std::vector<eb_config_key> configKeys() const;

private:
    PluginModule(std::string path, void* handle, const eb_plugin_descriptor& d);
    std::string _path;
    void* _handle;
    eb_plugin_descriptor _descriptor; ///< zero-filled beyond what the plugin's size covers
};

} // namespace eventbus

#endif
