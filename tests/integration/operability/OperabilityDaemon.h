// A daemon for the operability tests: test-echo plugins on loopback, the admin listener on a free
// port, and a configurable event service.
#ifndef EVENTBUS_TESTS_OPERABILITYDAEMON_H
#define EVENTBUS_TESTS_OPERABILITYDAEMON_H

#include "DaemonProcess.h"
#include "TestEnv.h"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

#include <memory>
#include <string>

namespace eventbus {
namespace test {

inline std::string testEvent(const std::string& id, const std::string& stream = "test.event")
{
    return R"({"$schema":"/test/event/1.0.0","meta":{"stream":")" + stream + R"(","id":")" + id +
           R"(","dt":"2026-01-01T00:00:00Z"},"n":1})";
}

struct OperabilityDaemon {
    ScratchDir dir;
    uint16_t httpPort = freeTcpPort();
    uint16_t adminPort = freeTcpPort();
    uint16_t udpPort = freeUdpPort();
    std::string config = dir.file("eventbusd.properties");
    std::unique_ptr<DaemonProcess> process;

    /// serviceUrl empty: the file: service. extra is appended to the main file.
    explicit OperabilityDaemon(const std::string& serviceUrl = "", const std::string& extra = "")
    {
        ::mkdir(dir.file("conf.d").c_str(), 0755);
        writeFile(config, "eventbusd.plugin_dir = " + buildDir() + "/tests/plugins\n"
                          "eventbusd.state_dir = " + dir.path() + "\n"
                          "service.main.url = " + (serviceUrl.empty() ? "file:events.jsonl" : serviceUrl) + "\n"
                          "service.main.linger_ms = 5\n"
                          "service.main.backoff_base_ms = 20\n"
                          "service.main.backoff_max_ms = 200\n"
                          "service.main.timeout = 2\n"
                          "ingress.http.listen = 127.0.0.1:" + std::to_string(httpPort) + "\n"
                          "admin.listen = 127.0.0.1:" + std::to_string(adminPort) + "\n" + extra);
        writeFile(dir.file("conf.d/10-echo.properties"),
                  "plugin.test-echo.enabled = true\n"
                  "plugin.test-echo.udp_listen = 127.0.0.1:" + std::to_string(udpPort) + "\n");
    }

    void start(const std::vector<std::string>& args = {})
    {
        process = std::make_unique<DaemonProcess>(config, args);
        CPPUNIT_ASSERT_MESSAGE(process->log(), process->waitForLog(" started with ", std::chrono::seconds(10)));
    }

    int admin(const std::string& path, std::string* body = nullptr)
    {
        return httpRequest(adminPort, "GET", path, "", body, "");
    }
};

} // namespace test
} // namespace eventbus

#endif
