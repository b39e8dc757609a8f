// A plugin module built as a plugin of an older ABI minor would be: its descriptor is the frozen
// 1.0 layout, declared here rather than taken from plugin.h, so that when a later minor appends
// descriptor fields this module still has only the 1.0 ones and the host must keep loading it.
// Poison bytes follow the descriptor: a host that reads past descriptor.size finds garbage.
#include "eventbus/plugin.h"

#include <cstring>

namespace {

struct DescriptorV1_0 {
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t size;
    const char* name;
    const char* version;
    const char* description;
    const eb_config_key* config_keys;
    size_t config_key_count;
    void* (*create)(const eb_host_api* host, char* err, size_t err_len);
    void (*destroy)(void* instance);
    int (*decode)(void* instance, const eb_input* input, const eb_sink* sink);
};

struct PoisonedDescriptor {
    DescriptorV1_0 descriptor;
    unsigned char poison[256];
};

const eb_config_key kKeys[] = {
    {"listen", EB_CFG_ADDRESS, "127.0.0.1:0", "UDP address to receive test datagrams on"},
};

int gInstance;

void* create(const eb_host_api* host, char* err, size_t errLen) {
    eb_listener_spec spec;
    std::memset(&spec, 0, sizeof spec);
    spec.size = sizeof spec;
    spec.kind = EB_LISTEN_UDP;
    spec.name = "in";
    spec.address = host->config_get(host->host, "listen");
    if (!spec.address || host->add_listener(host->host, &spec) != 0) {
        std::strncpy(err, "listener refused", errLen - 1);
        return nullptr;
    }
    return &gInstance;
}

void destroy(void*) {}

/// Every datagram becomes one event; its id is fixed so that tests can look for it.
int decode(void*, const eb_input* input, const eb_sink* sink) {
    static const char kJson[] =
        "{\"$schema\":\"/test/event/1.0.0\",\"meta\":{\"stream\":\"test.event\","
        "\"id\":\"00000000-0000-4000-8000-0000000000a1\",\"dt\":\"2026-01-01T00:00:00Z\"}}";
    if (input->len == 0) {
        sink->reject(sink->ctx, "empty", "empty datagram");
        return EB_REJECTED;
    }
    eb_event e;
    std::memset(&e, 0, sizeof e);
    e.size = sizeof e;
    e.type = EB_TYPE_EVENT;
    e.stream = "test.event";
    e.stream_len = std::strlen(e.stream);
    e.id = "00000000-0000-4000-8000-0000000000a1";
    e.id_len = std::strlen(e.id);
    e.json = kJson;
    e.json_len = sizeof kJson - 1;
    return sink->emit(sink->ctx, &e) == 0 ? EB_OK : EB_REJECTED;
}

PoisonedDescriptor makeDescriptor() {
    PoisonedDescriptor p;
    std::memset(&p, 0xA5, sizeof p);
    p.descriptor = DescriptorV1_0{1, 0, sizeof(DescriptorV1_0), "abi-test-minor", "1.0.0",
                                  "ABI test: a plugin built against descriptor layout 1.0",
                                  kKeys, sizeof kKeys / sizeof kKeys[0], &create, &destroy, &decode};
    return p;
}

const PoisonedDescriptor kDescriptor = makeDescriptor();

} // namespace

extern "C" __attribute__((visibility("default"))) const eb_plugin_descriptor* EVENTBUS_PLUGIN_ENTRY(void) {
    return reinterpret_cast<const eb_plugin_descriptor*>(&kDescriptor.descriptor);
}
