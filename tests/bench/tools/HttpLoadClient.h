// One producer connection of the load generator: POSTs JSON bodies over HTTP/1.1 and reads the
// answers, keeping the connection alive or, like a PHP web request, opening one per request.
#ifndef EVENTBUS_BENCH_HTTPLOADCLIENT_H
#define EVENTBUS_BENCH_HTTPLOADCLIENT_H

#include <cstdint>
#include <string>

namespace eventbus {
namespace bench {

class HttpLoadClient {
public:
    HttpLoadClient(const std::string& host, uint16_t port, bool connectionPerRequest);
    ~HttpLoadClient();
    HttpLoadClient(const HttpLoadClient&) = delete;
    HttpLoadClient& operator=(const HttpLoadClient&) = delete;

    /// POSTs body to path; returns the HTTP status, or 0 when no answer came (the reason is then
    /// in lastError()). A kept-alive connection the server closed meanwhile is reopened once.
    int post(const std::string& path, const std::string& body);
    const std::string& lastError() const { return _lastError; }

private:
    bool connect();
    void disconnect();
    int exchange(const std::string& head, const std::string& body, bool& nothingReceived);
    /// Reads one response; returns the status or 0.
    int readResponse(bool& nothingReceived);
    bool receiveMore();

    std::string _host;
    uint16_t _port;
    bool _connectionPerRequest;
    int _fd = -1;
    std::string _buffer;
    std::string _lastError;
};

} // namespace bench
} // namespace eventbus

#endif
