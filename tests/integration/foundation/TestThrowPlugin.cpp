// A test-only plugin whose create throws: the host must report and disable it, nothing more.
#include "eventbus/plugin.hpp"

#include <stdexcept>

namespace {

class TestThrowPlugin : public eventbus::Plugin {
public:
    explicit TestThrowPlugin(eventbus::Host& host) : Plugin(host)
    {
        throw std::runtime_error("boom in create");
    }
    eventbus::Status decode(const eventbus::Input&, eventbus::Sink&) override { return eventbus::Status::Ok; }
};

const eb_config_key kKeys[] = {{"unused", EB_CFG_STRING, "", "nothing"}};

} // namespace

EVENTBUS_PLUGIN(TestThrowPlugin, "test-throw", "1.0.0", "Test plugin that fails in create", kKeys)
