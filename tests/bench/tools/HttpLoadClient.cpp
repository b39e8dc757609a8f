#include "HttpLoadClient.h"

#include "HttpFraming.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace eventbus {
namespace bench {

HttpLoadClient::HttpLoadClient(const std::string& host, uint16_t port, bool connectionPerRequest)
    : _host(host)
    , _port(port)
    , _connectionPerRequest(connectionPerRequest)
{
}

HttpLoadClient::~HttpLoadClient()
{
    disconnect();
}

bool HttpLoadClient::connect()
{
    _fd = socket(AF_INET, SOCK_STREAM, 0);
    if (_fd < 0) {
        _lastError = std::string("socket: ") + strerror(errno);
        return false;
    }
    int one = 1;
    setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    // A connection per request at thousands per second would otherwise leave the client's
    // ephemeral ports in TIME_WAIT; an abortive close releases them at once.
    if (_connectionPerRequest) {
        linger abortive{1, 0};
        setsockopt(_fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
    }
    timeval timeout{30, 0};
    setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(_port);
    inet_pton(AF_INET, _host.c_str(), &address.sin_addr);
    if (::connect(_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        _lastError = "connect " + _host + ":" + std::to_string(_port) + ": " + strerror(errno);
        disconnect();
        return false;
    }
    _buffer.clear();
    return true;
}

void HttpLoadClient::disconnect()
{
    if (_fd >= 0)
        ::close(_fd);
    _fd = -1;
}

int HttpLoadClient::post(const std::string& path, const std::string& body)
{
    const std::string head = "POST " + path + " HTTP/1.1\r\nHost: " + _host + ":" + std::to_string(_port)
        + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    const bool reused = _fd >= 0;
    if (!reused && !connect())
        return 0;
    bool nothingReceived = false;
    int status = exchange(head, body, nothingReceived);
    if (status == 0 && reused && nothingReceived) {
        // The server closed the idle connection (EventGate does after 5 s): one fresh attempt.
        disconnect();
        if (!connect())
            return 0;
        status = exchange(head, body, nothingReceived);
    }
    if (status == 0 || _connectionPerRequest)
        disconnect();
    return status;
}

int HttpLoadClient::exchange(const std::string& head, const std::string& body, bool& nothingReceived)
{
    iovec parts[2] = {{const_cast<char*>(head.data()), head.size()}, {const_cast<char*>(body.data()), body.size()}};
    size_t total = head.size() + body.size();
    size_t sent = 0;
    nothingReceived = true;
    while (sent < total) {
        msghdr message{};
        iovec rest[2];
        int count = 0;
        size_t skip = sent;
        for (const iovec& part : parts) {
            if (skip >= part.iov_len) {
                skip -= part.iov_len;
                continue;
            }
            rest[count++] = {static_cast<char*>(part.iov_base) + skip, part.iov_len - skip};
            skip = 0;
        }
        message.msg_iov = rest;
        message.msg_iovlen = size_t(count);
        ssize_t n = sendmsg(_fd, &message, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            _lastError = std::string("send: ") + strerror(errno);
            return 0;
        }
        sent += size_t(n);
    }
    return readResponse(nothingReceived);
}

bool HttpLoadClient::receiveMore()
{
    char chunk[16384];
    for (;;) {
        ssize_t n = recv(_fd, chunk, sizeof(chunk), 0);
        if (n > 0) {
            _buffer.append(chunk, size_t(n));
            return true;
        }
        if (n < 0 && errno == EINTR)
            continue;
        _lastError = n == 0 ? "connection closed by the server" : std::string("recv: ") + strerror(errno);
        return false;
    }
}

int HttpLoadClient::readResponse(bool& nothingReceived)
{
    size_t headerEnd;
    while ((headerEnd = _buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!receiveMore())
            return 0;
        nothingReceived = false;
    }
    nothingReceived = false;
    if (_buffer.compare(0, 5, "HTTP/") != 0 || _buffer.size() < 12) {
        _lastError = "not an HTTP response";
        return 0;
    }
    const int status = std::atoi(_buffer.c_str() + 9);
    const char* headers = _buffer.data();
    const std::string chunked = HttpFraming::header(headers, headerEnd + 2, "transfer-encoding");
    const std::string length = HttpFraming::header(headers, headerEnd + 2, "content-length");
    const bool close = strcasecmp(HttpFraming::header(headers, headerEnd + 2, "connection").c_str(), "close") == 0;
    const size_t bodyStart = headerEnd + 4;
    size_t end;
    if (strcasecmp(chunked.c_str(), "chunked") == 0) {
        size_t span;
        while ((span = HttpFraming::dechunk(_buffer.data() + bodyStart, _buffer.size() - bodyStart, nullptr)) == 0)
            if (!receiveMore())
                return 0;
        if (span == std::string::npos) {
            _lastError = "bad chunked body";
            return 0;
        }
        end = bodyStart + span;
    } else if (!length.empty()) {
        end = bodyStart + std::strtoull(length.c_str(), nullptr, 10);
        while (_buffer.size() < end)
            if (!receiveMore())
                return 0;
    } else {
        // Neither length nor chunks: the body ends with the connection.
        while (receiveMore()) {
        }
        end = _buffer.size();
        disconnect();
    }
    _buffer.erase(0, end);
    if (close)
        disconnect();
    return status;
}

} // namespace bench
} // namespace eventbus
