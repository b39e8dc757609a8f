// READY=1 after start-up and STOPPING=1 on shutdown through $NOTIFY_SOCKET (issue 8, acceptance 4).
#include "OperabilityDaemon.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace eventbus;
using namespace eventbus::test;

namespace {

class NotifySocket {
public:
    explicit NotifySocket(const std::string& path) : _path(path)
    {
        _fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::bind(_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind");
        timeval tv{0, 100000};
        ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~NotifySocket()
    {
        ::close(_fd);
        ::unlink(_path.c_str());
    }
    /// Collects messages until one contains text or timeout passes.
    bool waitFor(const std::string& text, std::chrono::milliseconds timeout)
    {
        return waitUntil([&] {
            char buf[4096];
            ssize_t n = ::recv(_fd, buf, sizeof buf, 0);
            if (n > 0) _received.append(buf, static_cast<size_t>(n)).append("\n");
            return _received.find(text) != std::string::npos;
        }, timeout);
    }
    const std::string& received() const { return _received; }

private:
    std::string _path;
    int _fd;
    std::string _received;
};

} // namespace

class SystemdNotifyTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SystemdNotifyTest);
    CPPUNIT_TEST(testReadyAndStopping);
    CPPUNIT_TEST_SUITE_END();

public:
    void testReadyAndStopping()
    {
        OperabilityDaemon d;
        NotifySocket socket(d.dir.file("notify.sock"));
        ::setenv("NOTIFY_SOCKET", d.dir.file("notify.sock").c_str(), 1);
        d.start();
        ::unsetenv("NOTIFY_SOCKET");
        CPPUNIT_ASSERT_MESSAGE(socket.received(), socket.waitFor("READY=1", std::chrono::seconds(10)));
        // READY comes after the listeners are open: the HTTP route answers by now.
        CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/test/events", testEvent("n-1")));
        ::kill(d.process->pid(), SIGTERM);
        CPPUNIT_ASSERT_MESSAGE(socket.received(), socket.waitFor("STOPPING=1", std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SystemdNotifyTest);
