#include "PluginModule.h"

#include <cstring>
#include <stdexcept>

#include <dlfcn.h>
#include <sys/stat.h>

namespace eventbus {

namespace {

std::string hostAbi() { return std::to_string(EB_ABI_MAJOR) + "." + std::to_string(EB_ABI_MINOR); }

/// A module writable by others could be swapped for code that runs inside the daemon.
void checkNotWritableByOthers(const std::string& path, const char* what)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error(path + ": cannot stat " + what + ": " + std::strerror(errno));
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        throw std::runtime_error(path + ": refused: " + what +
                                 " is writable by group or others (chmod go-w)");
}

} // namespace

std::shared_ptr<PluginModule> PluginModule::open(const std::string& path)
{
    checkNotWritableByOthers(path, "plugin file");
    std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
    if (!dir.empty()) checkNotWritableByOthers(dir, "plugin folder");

    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* e = ::dlerror();
        throw std::runtime_error(path + ": cannot load plugin: " + (e ? e : "unknown error"));
    }
    auto entry = reinterpret_cast<eb_plugin_entry_fn>(::dlsym(handle, EVENTBUS_PLUGIN_ENTRY_SYMBOL));
    if (!entry) {
        ::dlclose(handle);
        throw std::runtime_error(path + ": refused: no entry symbol " EVENTBUS_PLUGIN_ENTRY_SYMBOL
                                 " (not an eventbusd plugin, or built without EVENTBUS_PLUGIN); host ABI " +
                                 hostAbi());
    }
    const eb_plugin_descriptor* d = entry();
    if (!d) {
        ::dlclose(handle);
        throw std::runtime_error(path + ": refused: entry symbol returned no descriptor; host ABI " + hostAbi());
    }
    std::string pluginAbi = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
    if (d->abi_major != EB_ABI_MAJOR) {
        ::dlclose(handle);
        throw std::runtime_error(path + ": refused: plugin ABI " + pluginAbi + " but host ABI " + hostAbi() +
                                 " (the major version must match; rebuild the plugin against this SDK)");
    }
    // Fields the plugin's (older minor) descriptor does not have stay zero.
    eb_plugin_descriptor copy;
    std::memset(&copy, 0, sizeof copy);
    size_t n = d->size < sizeof copy ? d->size : sizeof copy;
    const size_t minimum = offsetof(eb_plugin_descriptor, decode) + sizeof(d->decode);
    if (n < minimum) {
        ::dlclose(handle);
        throw std::runtime_error(path + ": refused: descriptor size " + std::to_string(d->size) +
                                 " is too small for ABI " + pluginAbi + "; host ABI " + hostAbi());
    }
    std::memcpy(&copy, d, n);
    if (!copy.name || !*copy.name || !copy.create || !copy.destroy || !copy.decode) {
        ::dlclose(handle);
        throw std::runtime_error(path + ": refused: descriptor lacks a name or a create/destroy/decode function");
    }
    return std::shared_ptr<PluginModule>(new PluginModule(path, handle, copy));
}

PluginModule::PluginModule(std::string path, void* handle, const eb_plugin_descriptor& d)
    : _path(std::move(path)), _handle(handle), _descriptor(d)
{
}

PluginModule::~PluginModule()
{
    if (_handle) ::dlclose(_handle);
}

std::string PluginModule::abi() const
{
    return std::to_string(_descriptor.abi_major) + "." + std::to_string(_descriptor.abi_minor);
}

std::vector<eb_config_key> PluginModule::configKeys() const
{
    std::vector<eb_config_key> keys;
    for (size_t i = 0; _descriptor.config_keys && i < _descriptor.config_key_count; ++i)
        keys.push_back(_descriptor.config_keys[i]);
    return keys;
}

} // namespace eventbus
