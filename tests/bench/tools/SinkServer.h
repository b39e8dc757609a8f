// A minimal HTTP/1.1 server on one epoll thread that answers like EventGate's intake: every POST
// gets "201 All N out of N events were accepted." with an empty chunked body and no content
// type; idle keep-alive connections are closed after 5 s. GET /stats returns the statistics as
// JSON, POST or GET /reset clears them.
#ifndef EVENTBUS_BENCH_SINKSERVER_H
#define EVENTBUS_BENCH_SINKSERVER_H

#include "SinkStatistics.h"

#include <csignal>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace eventbus {
namespace bench {

class SinkServer {
public:
    /// Binds host:port (port 0: an ephemeral one) and listens; throws std::runtime_error.
    SinkServer(const std::string& host, uint16_t port);
    ~SinkServer();
    SinkServer(const SinkServer&) = delete;
    SinkServer& operator=(const SinkServer&) = delete;

    uint16_t port() const { return _port; }
    /// Serves until stop becomes non-zero (set from a signal handler).
    void run(const volatile sig_atomic_t& stop);
    const SinkStatistics& statistics() const { return _statistics; }

private:
    struct Connection {
        std::string in;
        std::string out;
        int64_t lastActiveUs = 0;
        bool closeAfterWrite = false;
        bool waitingForOut = false; ///< EPOLLOUT is registered
    };

    void accept();
    /// Reads what is there and answers every complete request; false when the connection ends.
    bool readFrom(int fd, Connection& connection);
    /// Answers the request at offset in connection.in, if complete; returns its length, 0 when
    /// incomplete, npos when malformed (the answer then closes the connection).
    size_t answerOne(Connection& connection, size_t offset);
    bool flush(int fd, Connection& connection);
    void close(int fd);
    void closeIdle(int64_t nowUs);

    int _listenFd = -1;
    int _epollFd = -1;
    uint16_t _port = 0;
    std::map<int, Connection> _connections;
    SinkStatistics _statistics;
    std::vector<int64_t> _stamps;
    std::string _chunkedBody;
};

} // namespace bench
} // namespace eventbus

#endif
