// What integration tests need around the daemon: paths, scratch folders, free ports, and waiting
// on a condition with a deadline (never a sleep standing in for state).
#ifndef EVENTBUS_TESTS_TESTENV_H
#define EVENTBUS_TESTS_TESTENV_H

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace eventbus {
namespace test {

std::string sourceDir();  ///< EVENTBUS_SOURCE_DIR
std::string buildDir();   ///< EVENTBUS_BUILD_DIR
std::string sharedDir();  ///< EVENTBUS_SHARED_DIR (may not exist)
bool haveShared();        ///< the shared specs, schemas and validator are present
std::string daemonPath(); ///< build/bin/eventbusd

/// A fresh folder under $TMPDIR (else /tmp), removed (recursively) by the destructor.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& tag = "eventbus-test");
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return _path; }
    std::string file(const std::string& name) const { return _path + "/" + name; }

private:
    std::string _path;
};

uint16_t freeTcpPort(); ///< a loopback TCP port free right now
uint16_t freeUdpPort(); ///< a loopback UDP port free right now

/// Polls condition every few milliseconds until it is true or timeout passes; returns its last value.
bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

std::string readFile(const std::string& path);   ///< "" when missing
void writeFile(const std::string& path, const std::string& content);
std::vector<std::string> readLines(const std::string& path);

/// Runs a command through /bin/sh; returns its exit status and (if out) its standard output.
int runCommand(const std::string& command, std::string* out = nullptr);

/// Sends one UDP datagram to 127.0.0.1:port.
void sendUdp(uint16_t port, const std::string& payload);

/// A plain HTTP/1.1 request to 127.0.0.1:port; returns the status and fills body and headers.
int httpRequest(uint16_t port, const std::string& method, const std::string& uri, const std::string& body,
                std::string* responseBody = nullptr, const std::string& contentType = "application/json",
                std::vector<std::pair<std::string, std::string>>* responseHeaders = nullptr);

} // namespace test
} // namespace eventbus

#endif
