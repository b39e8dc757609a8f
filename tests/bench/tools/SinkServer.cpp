#include "SinkServer.h"

#include "BodyScanner.h"
#include "HttpFraming.h"
#include "WallClock.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <string_view>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace eventbus {
namespace bench {

namespace {

/// EventGate (service-runner) closes keep-alive connections idle for this long.
const int64_t IDLE_CLOSE_US = 5000000;
/// Larger requests are refused: EventGate's own body limit is 4 MiB.
const size_t MAX_REQUEST_BYTES = 8u << 20;

void setNonBlocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

std::string response(int status, const std::string& reason, const std::string& contentType, const std::string& body,
    bool close)
{
    std::string text = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    if (!contentType.empty())
        text += "Content-Type: " + contentType + "\r\n";
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    text += close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n";
    return text + body;
}

} // namespace

SinkServer::SinkServer(const std::string& host, uint16_t port)
{
    _listenFd = socket(AF_INET, SOCK_STREAM, 0);
    if (_listenFd < 0)
        throw std::runtime_error(std::string("socket: ") + strerror(errno));
    int one = 1;
    setsockopt(_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
        throw std::runtime_error("not an IPv4 address: " + host);
    if (bind(_listenFd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
        throw std::runtime_error("bind " + host + ":" + std::to_string(port) + ": " + strerror(errno));
    if (listen(_listenFd, 512) != 0)
        throw std::runtime_error(std::string("listen: ") + strerror(errno));
    socklen_t length = sizeof(address);
    getsockname(_listenFd, reinterpret_cast<sockaddr*>(&address), &length);
    _port = ntohs(address.sin_port);
    setNonBlocking(_listenFd);
    _epollFd = epoll_create1(0);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = _listenFd;
    epoll_ctl(_epollFd, EPOLL_CTL_ADD, _listenFd, &event);
    _stamps.reserve(4096);
}

SinkServer::~SinkServer()
{
    for (auto& entry : _connections)
        ::close(entry.first);
    if (_epollFd >= 0)
        ::close(_epollFd);
    if (_listenFd >= 0)
        ::close(_listenFd);
}

void SinkServer::run(const volatile sig_atomic_t& stop)
{
    epoll_event events[64];
    int64_t lastSweepUs = wallMicroseconds();
    while (!stop) {
        int ready = epoll_wait(_epollFd, events, 64, 500);
        if (ready < 0 && errno != EINTR)
            throw std::runtime_error(std::string("epoll_wait: ") + strerror(errno));
        for (int i = 0; i < ready; ++i) {
            int fd = events[i].data.fd;
            if (fd == _listenFd) {
                accept();
                continue;
            }
            auto found = _connections.find(fd);
            if (found == _connections.end())
                continue;
            Connection& connection = found->second;
            bool alive = true;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                alive = readFrom(fd, connection);
            if (alive && (events[i].events & EPOLLOUT))
                alive = flush(fd, connection);
            if (!alive)
                close(fd);
        }
        int64_t now = wallMicroseconds();
        if (now - lastSweepUs > 500000) {
            closeIdle(now);
            lastSweepUs = now;
        }
    }
}

void SinkServer::accept()
{
    for (;;) {
        int fd = ::accept4(_listenFd, nullptr, nullptr, SOCK_NONBLOCK);
        if (fd < 0)
            return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        epoll_ctl(_epollFd, EPOLL_CTL_ADD, fd, &event);
        _connections[fd].lastActiveUs = wallMicroseconds();
    }
}

bool SinkServer::readFrom(int fd, Connection& connection)
{
    char buffer[65536];
    bool peerClosed = false;
    for (;;) {
        ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
        if (got > 0) {
            connection.in.append(buffer, size_t(got));
            continue;
        }
        if (got == 0)
            peerClosed = true;
        else if (errno == EINTR)
            continue;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            return false;
        break;
    }
    connection.lastActiveUs = wallMicroseconds();
    size_t consumed = 0;
    for (;;) {
        size_t length = answerOne(connection, consumed);
        if (length == 0)
            break;
        if (length == std::string::npos) {
            connection.closeAfterWrite = true;
            consumed = connection.in.size();
            break;
        }
        consumed += length;
        if (connection.closeAfterWrite)
            break;
    }
    connection.in.erase(0, consumed);
    if (connection.in.size() > MAX_REQUEST_BYTES) {
        connection.out += response(413, "Payload Too Large", "", "", true);
        connection.closeAfterWrite = true;
    }
    if (!flush(fd, connection))
        return false;
    return !peerClosed || !connection.out.empty();
}

size_t SinkServer::answerOne(Connection& connection, size_t offset)
{
    const std::string_view in = std::string_view(connection.in).substr(offset);
    const size_t headerEnd = in.find("\r\n\r\n");
    if (headerEnd == std::string::npos)
        return 0;
    const size_t bodyStart = headerEnd + 4;
    const size_t lineEnd = in.find("\r\n");
    const std::string requestLine(in.substr(0, lineEnd));
    const size_t space1 = requestLine.find(' ');
    const size_t space2 = requestLine.find(' ', space1 + 1);
    if (space1 == std::string::npos || space2 == std::string::npos) {
        connection.out += response(400, "Bad Request", "", "", true);
        return std::string::npos;
    }
    const std::string method = requestLine.substr(0, space1);
    const std::string target = requestLine.substr(space1 + 1, space2 - space1 - 1);
    const char* headers = in.data() + lineEnd + 2;
    const size_t headersSize = headerEnd + 2 - (lineEnd + 2);
    const bool close = strcasecmp(HttpFraming::header(headers, headersSize, "connection").c_str(), "close") == 0
        || requestLine.compare(space2 + 1, std::string::npos, "HTTP/1.0") == 0;

    const char* body = in.data() + bodyStart;
    size_t bodySize = 0;
    size_t requestLength = 0;
    if (strcasecmp(HttpFraming::header(headers, headersSize, "transfer-encoding").c_str(), "chunked") == 0) {
        size_t span = HttpFraming::dechunk(body, in.size() - bodyStart, &_chunkedBody);
        if (span == 0)
            return 0;
        if (span == std::string::npos) {
            connection.out += response(400, "Bad Request", "", "", true);
            return std::string::npos;
        }
        body = _chunkedBody.data();
        bodySize = _chunkedBody.size();
        requestLength = bodyStart + span;
    } else {
        bodySize = std::strtoull(HttpFraming::header(headers, headersSize, "content-length").c_str(), nullptr, 10);
        if (in.size() - bodyStart < bodySize)
            return 0;
        requestLength = bodyStart + bodySize;
    }
    connection.closeAfterWrite = close;

    if (method == "POST" && target.compare(0, 6, "/reset") != 0) {
        const int64_t arrival = wallMicroseconds();
        _stamps.clear();
        const size_t events = BodyScanner::scan(body, bodySize, _stamps);
        if (events == 0) {
            // EventGate: an empty body or [] is a 400 with an empty body.
            connection.out += response(400, "Request body was empty. Must provide JSON encoded events.", "", "", close);
            return requestLength;
        }
        _statistics.record(arrival, events, bodySize, _stamps);
        const std::string count = std::to_string(events);
        connection.out += "HTTP/1.1 201 All " + count + " out of " + count + " events were accepted.\r\n"
            + (close ? "Connection: close\r\n" : "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n")
            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    } else if (target.compare(0, 6, "/reset") == 0) {
        _statistics.reset();
        connection.out += response(200, "OK", "application/json", "{}", close);
    } else if (method == "GET" && target.compare(0, 6, "/stats") == 0) {
        connection.out += response(200, "OK", "application/json", _statistics.toJson() + "\n", close);
    } else {
        connection.out += response(404, "Not Found", "", "", close);
    }
    return requestLength;
}

bool SinkServer::flush(int fd, Connection& connection)
{
    size_t sent = 0;
    while (sent < connection.out.size()) {
        ssize_t n = send(fd, connection.out.data() + sent, connection.out.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        return false;
    }
    connection.out.erase(0, sent);
    const bool wantOut = !connection.out.empty();
    if (wantOut != connection.waitingForOut) {
        epoll_event event{};
        event.events = wantOut ? uint32_t(EPOLLIN | EPOLLOUT) : uint32_t(EPOLLIN);
        event.data.fd = fd;
        epoll_ctl(_epollFd, EPOLL_CTL_MOD, fd, &event);
        connection.waitingForOut = wantOut;
    }
    return !(connection.out.empty() && connection.closeAfterWrite);
}

void SinkServer::close(int fd)
{
    epoll_ctl(_epollFd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    _connections.erase(fd);
}

void SinkServer::closeIdle(int64_t nowUs)
{
    std::vector<int> idle;
    for (const auto& entry : _connections)
        if (entry.second.out.empty() && entry.second.in.empty() && nowUs - entry.second.lastActiveUs > IDLE_CLOSE_US)
            idle.push_back(entry.first);
    for (int fd : idle)
        close(fd);
}

} // namespace bench
} // namespace eventbus
