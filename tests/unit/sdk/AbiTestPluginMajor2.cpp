// A plugin module that claims ABI major 2: the host must refuse it before calling anything in it,
// naming the plugin's ABI and its own. Its functions abort so that a host that calls them fails loudly.
#include "eventbus/plugin.h"

#include <cstdlib>

namespace {

void* create(const eb_host_api*, char*, size_t) { std::abort(); }
void destroy(void*) { std::abort(); }
int decode(void*, const eb_input*, const eb_sink*) { std::abort(); }

const eb_plugin_descriptor kDescriptor = {2, 0, sizeof(eb_plugin_descriptor), "abi-test-major2", "2.0.0",
                                          "ABI test: a plugin built against a future major",
                                          nullptr, 0, &create, &destroy, &decode};

} // namespace

extern "C" __attribute__((visibility("default"))) const eb_plugin_descriptor* EVENTBUS_PLUGIN_ENTRY(void) {
    return &kDescriptor;
}
