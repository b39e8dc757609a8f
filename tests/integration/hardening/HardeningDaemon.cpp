#include "HardeningDaemon.h"

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>

#include <sys/stat.h>

#include <cstdlib>
#include <sstream>

namespace eventbus {
namespace test {

HardeningDaemon::HardeningDaemon(const std::string& extra)
{
    ::mkdir(dir.file("conf.d").c_str(), 0755);
    writeFile(config, "eventbusd.plugin_dir = " + buildDir() + "/tests/plugins\n"
                      "eventbusd.state_dir = " + dir.path() + "\n"
                      "service.main.url = file:events.jsonl\n"
                      "service.main.linger_ms = 5\n"
                      "ingress.http.listen = 127.0.0.1:" + std::to_string(httpPort) + "\n"
                      "admin.listen = 127.0.0.1:" + std::to_string(adminPort) + "\n" + extra);
    writeFile(dir.file("conf.d/10-echo.properties"), "plugin.test-echo.enabled = true\n");
}

void HardeningDaemon::start()
{
    process = std::make_unique<DaemonProcess>(config);
    if (!process->waitForLog(" started with ", std::chrono::seconds(15)))
        throw std::runtime_error("the daemon did not start: " + process->log());
}

double HardeningDaemon::metric(const std::string& name, const std::vector<std::string>& labels)
{
    std::string text;
    if (httpRequest(adminPort, "GET", "/metrics", "", &text, "") != 200) return 0;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.compare(0, name.size() + 1, name + "{") != 0 && line.compare(0, name.size() + 1, name + " ") != 0)
            continue;
        bool all = true;
        for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
        if (all) return std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    }
    return 0;
}

bool HardeningDaemon::waitForMetric(const std::string& name, const std::vector<std::string>& labels, double value)
{
    return waitUntil([&] { return metric(name, labels) >= value; }, std::chrono::seconds(10));
}

bool HardeningDaemon::serves(const std::string& id)
{
    // A connection the server still refuses (its queue full of connections the test just closed,
    // not yet noticed by the workers) is tried again, as a client would.
    return waitUntil(
        [&] {
            try {
                return httpRequest(httpPort, "POST", "/test/events", echoEvent(id)) == 201;
            } catch (const Poco::Exception&) {
                return false;
            }
        },
        std::chrono::seconds(10));
}

Poco::Net::StreamSocket HardeningDaemon::connect() const
{
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", httpPort), Poco::Timespan(5, 0));
    return socket;
}

std::string echoEvent(const std::string& id)
{
    return R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":")" + id +
           R"(","dt":"2026-01-01T00:00:00Z"},"n":1})";
}

std::string readUntilClosed(Poco::Net::StreamSocket& socket, std::chrono::milliseconds timeout, bool& closed)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string out;
    closed = false;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (!socket.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ)) continue;
            const int n = socket.receiveBytes(buf, sizeof buf);
            if (n <= 0) {
                closed = true;
                break;
            }
            out.append(buf, static_cast<size_t>(n));
        } catch (const Poco::Exception&) {
            closed = true; // reset by the server: closed too
            break;
        }
    }
    return out;
}

int statusOf(const std::string& answer)
{
    if (answer.compare(0, 5, "HTTP/") != 0) return 0;
    const size_t space = answer.find(' ');
    return space == std::string::npos ? 0 : std::atoi(answer.c_str() + space + 1);
}

} // namespace test
} // namespace eventbus
