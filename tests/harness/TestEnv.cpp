#include "TestEnv.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <sstream>
#include <thread>

namespace eventbus {
namespace test {

namespace {
std::string env(const char* name, const std::string& fallback)
{
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}
} // namespace

std::string sourceDir() { return env("EVENTBUS_SOURCE_DIR", "."); }
std::string buildDir() { return env("EVENTBUS_BUILD_DIR", "build"); }
std::string sharedDir() { return env("EVENTBUS_SHARED_DIR", sourceDir() + "/../shared"); }
bool haveShared() { return Poco::File(sharedDir() + "/tools/validate-events").exists(); }
std::string daemonPath() { return buildDir() + "/bin/eventbusd"; }

ScratchDir::ScratchDir(const std::string& tag)
{
    std::string templ = env("TMPDIR", "/tmp") + "/" + tag + "-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    _path = buf.data();
}

ScratchDir::~ScratchDir()
{
    try {
        Poco::File(_path).remove(true);
    } catch (...) {
    }
}

namespace {
// Ports for daemons under test come from below Linux's ephemeral range (32768 up by default): a
// port the kernel handed out as free (bind to port 0) is ephemeral, and between this check and the
// daemon's bind the kernel may give it to any outgoing connection of a test running beside this
// one as its local port; the daemon then fails to start. Below that range only another test's
// pick can collide: the random start and the bind check make that unlikely, and a port is never
// handed out twice by one test process.
template <typename Socket>
uint16_t freePort()
{
    static std::mutex mutex;
    static std::set<uint16_t> handedOut;
    static std::mt19937 random(std::random_device{}());
    std::lock_guard<std::mutex> lock(mutex);
    std::uniform_int_distribution<int> pick(20000, 32000);
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = static_cast<uint16_t>(pick(random));
        if (handedOut.count(port))
            continue;
        try {
            // Without SO_REUSEADDR (which Poco's binding ServerSocket constructor sets): with it
            // the check passes on a port whose last connection is still in TIME_WAIT.
            Socket s;
            s.bind(Poco::Net::SocketAddress("127.0.0.1", port), false, false);
            handedOut.insert(port);
            return port;
        } catch (const Poco::Exception&) {
        }
    }
    throw std::runtime_error("no free loopback port in 20000-32000 after 200 tries");
}
} // namespace

uint16_t freeTcpPort() { return freePort<Poco::Net::ServerSocket>(); }

uint16_t freeUdpPort() { return freePort<Poco::Net::DatagramSocket>(); }

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeFile(const std::string& path, const std::string& content)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<std::string> readLines(const std::string& path)
{
    std::vector<std::string> lines;
    std::istringstream in(readFile(path));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

int runCommand(const std::string& command, std::string* out)
{
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) return -1;
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
    int status = ::pclose(p);
    if (out) *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void sendUdp(uint16_t port, const std::string& payload)
{
    Poco::Net::DatagramSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    s.sendTo(payload.data(), static_cast<int>(payload.size()), Poco::Net::SocketAddress("127.0.0.1", port));
}

int httpRequest(uint16_t port, const std::string& method, const std::string& uri, const std::string& body,
                std::string* responseBody, const std::string& contentType,
                std::vector<std::pair<std::string, std::string>>* responseHeaders)
{
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!contentType.empty()) request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    if (responseBody) *responseBody = text;
    if (responseHeaders)
        for (const auto& h : response) responseHeaders->emplace_back(h.first, h.second);
    return response.getStatus();
}

} // namespace test
} // namespace eventbus
