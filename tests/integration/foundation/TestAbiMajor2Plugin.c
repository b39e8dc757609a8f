/* A test-only plugin built as if against a future ABI 2.0: the host must refuse to load it. */
#include "eventbus/plugin.h"

static void *create(const eb_host_api *host, char *err, size_t len) { (void)host; (void)err; (void)len; return 0; }
static void destroy(void *instance) { (void)instance; }
static int decode(void *instance, const eb_input *in, const eb_sink *sink) { (void)instance; (void)in; (void)sink; return EB_OK; }

__attribute__((visibility("default"))) const eb_plugin_descriptor *EVENTBUS_PLUGIN_ENTRY(void)
{
    static const eb_plugin_descriptor d = {2, 0, sizeof(eb_plugin_descriptor), "test-abi2", "2.0.0",
                                           "Test plugin with another ABI major", 0, 0, create, destroy, decode};
    return &d;
}
