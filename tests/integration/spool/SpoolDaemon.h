// eventbusd with a durable spool, for the spool acceptance tests: a scratch state folder, the
// test-echo plugin on UDP and the shared HTTP route, one event service (usually a FakeEventGate),
// and an admin listener for /metrics. The configuration stays fixed across restarts and kills.
#ifndef EVENTBUS_TESTS_SPOOLDAEMON_H
#define EVENTBUS_TESTS_SPOOLDAEMON_H

#include "DaemonProcess.h"
#include "TestEnv.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace eventbus {
namespace test {

class SpoolDaemon {
public:
    /// extraConfig: more properties lines (service.eventgate.* tuning, spool.* keys...).
    SpoolDaemon(const std::string& serviceUrl, const std::string& extraConfig = "");

    /// Starts the daemon and waits until it serves; false (log in lastLog()) when it did not.
    bool start();
    void kill9();
    /// SIGTERM; the exit status (-1 on timeout).
    int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(15));
    DaemonProcess& process() { return *_process; }
    std::string lastLog() const;

    /// POSTs lines (joined by \n) to the test-echo route; -1 when the daemon did not answer.
    int post(const std::vector<std::string>& lines, std::vector<std::pair<std::string, std::string>>* headers = nullptr);
    void sendUdp(const std::string& datagram) const;
    /// The value of one /metrics series, e.g. name{label="x"}; -1 when absent or unreachable.
    double metric(const std::string& series) const;

    const std::string& configFile() const { return _config; }
    std::string spoolDir() const { return _dir.file("spool"); }
    /// The spool file of the event service "eventgate".
    std::string spoolFile() const { return spoolDir() + "/eventgate.db"; }
    /// Rewrites the configuration (for the bad-configuration restart).
    void writeConfig(const std::string& text);

    /// A compact JSON event for the test-echo plugin: stream, meta.id and padding to size.
    static std::string event(const std::string& stream, const std::string& id, size_t padding = 32);

private:
    ScratchDir _dir;
    uint16_t _udpPort;
    uint16_t _httpPort;
    uint16_t _adminPort;
    std::string _config;
    std::unique_ptr<DaemonProcess> _process;
    std::string _lastLog;
};

} // namespace test
} // namespace eventbus

#endif
