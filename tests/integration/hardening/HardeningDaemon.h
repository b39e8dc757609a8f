// The daemon the hardening tests attack: test-echo on the shared HTTP ingress (route /test/events)
// with small limits, the admin listener on a free port, events to a file service.
#ifndef EVENTBUS_TESTS_HARDENINGDAEMON_H
#define EVENTBUS_TESTS_HARDENINGDAEMON_H

#include "harness/DaemonProcess.h"
#include "harness/TestEnv.h"

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <memory>
#include <string>

namespace eventbus {
namespace test {

struct HardeningDaemon {
    ScratchDir dir{"eventbus-hardening"};
    uint16_t httpPort = freeTcpPort();
    uint16_t adminPort = freeTcpPort();
    std::string config = dir.file("eventbusd.properties");
    std::unique_ptr<DaemonProcess> process;

    /// extra is appended to the main file (ingress.http.* limits, jobrunner.* keys).
    explicit HardeningDaemon(const std::string& extra = "");
    /// Starts the daemon and waits until it serves.
    void start();
    /// The value of one series of the admin /metrics, 0 when absent. labels: `k="v"` items.
    double metric(const std::string& name, const std::vector<std::string>& labels = {});
    /// Polls /metrics until the series reaches at least value.
    bool waitForMetric(const std::string& name, const std::vector<std::string>& labels, double value);
    /// A valid event still goes through: the daemon serves.
    bool serves(const std::string& id);
    Poco::Net::StreamSocket connect() const;
};

/// A test event test-echo accepts.
std::string echoEvent(const std::string& id);

/// Reads what the server sends until it closes the connection or timeout passes. closed tells
/// which of the two happened.
std::string readUntilClosed(Poco::Net::StreamSocket& socket, std::chrono::milliseconds timeout, bool& closed);

/// The status code of a raw HTTP answer, 0 when there is none.
int statusOf(const std::string& answer);

} // namespace test
} // namespace eventbus

#endif
