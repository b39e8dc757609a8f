#include "SpoolDaemon.h"

#include <csignal>

namespace eventbus {
namespace test {

SpoolDaemon::SpoolDaemon(const std::string& serviceUrl, const std::string& extraConfig)
    : _dir("spool-it")
    , _udpPort(freeUdpPort())
    , _httpPort(freeTcpPort())
    , _adminPort(freeTcpPort())
    , _config(_dir.file("eventbusd.properties"))
{
    writeConfig("eventbusd.plugin_dir = " + buildDir() + "/tests/plugins\n"
                "eventbusd.state_dir = " + _dir.path() + "\n"
                "eventbusd.drain_timeout = 1\n"
                "service.eventgate.url = " + serviceUrl + "\n"
                "service.eventgate.linger_ms = 5\n"
                "service.eventgate.timeout = 1\n"
                "service.eventgate.connect_timeout = 1\n"
                "service.eventgate.backoff_base_ms = 20\n"
                "service.eventgate.backoff_max_ms = 400\n"
                "ingress.http.listen = 127.0.0.1:" + std::to_string(_httpPort) + "\n"
                "admin.listen = 127.0.0.1:" + std::to_string(_adminPort) + "\n"
                "plugin.test-echo.enabled = true\n"
                "plugin.test-echo.udp_listen = 127.0.0.1:" + std::to_string(_udpPort) + "\n"
                + extraConfig);
}

void SpoolDaemon::writeConfig(const std::string& text)
{
    writeFile(_config, text);
}

bool SpoolDaemon::start()
{
    if (_process)
        _lastLog = _process->log();
    _process = std::make_unique<DaemonProcess>(_config);
    bool started = _process->waitForLog("started with 1 plugin", std::chrono::seconds(20));
    if (!started)
        _lastLog = _process->log();
    return started;
}

void SpoolDaemon::kill9()
{
    _process->kill9();
}

int SpoolDaemon::terminate(std::chrono::milliseconds timeout)
{
    return _process->stop(SIGTERM, timeout);
}

std::string SpoolDaemon::lastLog() const
{
    return _lastLog + (_process ? _process->log() : std::string());
}

int SpoolDaemon::post(const std::vector<std::string>& lines, std::vector<std::pair<std::string, std::string>>* headers)
{
    std::string body;
    for (const std::string& line : lines)
        body += line + "\n";
    try {
        return httpRequest(_httpPort, "POST", "/test/events", body, nullptr, "application/json", headers);
    } catch (const std::exception&) {
        return -1;
    }
}

void SpoolDaemon::sendUdp(const std::string& datagram) const
{
    test::sendUdp(_udpPort, datagram);
}

double SpoolDaemon::metric(const std::string& series) const
{
    std::string text;
    try {
        if (httpRequest(_adminPort, "GET", "/metrics", "", &text, "") != 200)
            return -1;
    } catch (const std::exception&) {
        return -1;
    }
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos)
        return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

std::string SpoolDaemon::event(const std::string& stream, const std::string& id, size_t padding)
{
    return R"({"$schema":"/test/event/1.0.0","meta":{"stream":")" + stream + R"(","id":")" + id
        + R"(","dt":"2026-01-01T00:00:00Z"},"pad":")" + std::string(padding, 'p') + "\"}";
}

} // namespace test
} // namespace eventbus
