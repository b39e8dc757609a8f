// An in-process EventGate for tests: a Poco HTTPServer on 127.0.0.1 that records every request and
// answers like EventGate does (eventgate-contract.md): 201 with an empty chunked body and no
// content-type, 202 for hasty, 207/400/500 bodies built from the echoed events, the 500 problem
// object, requests that hang, and idle keep-alive connections closed after a timeout.
//
//     FakeEventGate gate;                       // idle timeout 5 s like EventGate
//     gate.start();
//     gate.script({FakeEventGate::status(503, "Service Unavailable"), FakeEventGate::created()});
//     ... point a service at gate.url() ...
//     gate.waitForEvents(3, deadline);          // accepted events, in arrival order
#ifndef EVENTBUS_TESTS_FAKEEVENTGATE_H
#define EVENTBUS_TESTS_FAKEEVENTGATE_H

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}

namespace eventbus {
namespace test {

class FakeEventGate {
public:
    struct Request {
        std::string method;
        std::string uri;                           ///< path and query
        std::map<std::string, std::string> headers; ///< names lowercased
        std::string body;
        std::vector<std::string> events;  ///< each event of the body, compact JSON
        std::vector<std::string> ids;     ///< meta.id of each event, "" when absent
        std::vector<std::string> streams; ///< meta.stream of each event, "" when absent
        int status = 0;                   ///< what the fake answered; 0 while hanging or unanswered
        /// The header's value, "" when absent (name in any case).
        std::string header(const std::string& name) const;
    };

    struct Reply {
        int status = 201;
        std::string reason;
        std::string body;        ///< empty: sent chunked with zero length, no content-type
        std::string contentType; ///< sent only with a body
        bool hang = false;       ///< never answer (until stop() or the hang limit)
        std::vector<size_t> accepted; ///< indexes of the request's events that count as accepted
    };

    enum class Kind { Success, Invalid, Error };
    struct Judgement {
        Kind kind = Kind::Success;
        std::string message; ///< errorsText for invalid, context.message for error
    };

    using Responder = std::function<Reply(const Request&)>;
    /// Decides the fate of event `index` of a request.
    using Judge = std::function<Judgement(const Request&, size_t index)>;

    struct Options {
        std::chrono::milliseconds idleTimeout{5000}; ///< keep-alive connections idle this long are closed
        std::chrono::milliseconds hangLimit{30000};  ///< a hanging request is dropped after this
    };

    FakeEventGate();
    explicit FakeEventGate(const Options& options);
    ~FakeEventGate();
    FakeEventGate(const FakeEventGate&) = delete;
    FakeEventGate& operator=(const FakeEventGate&) = delete;

    /// Listens on 127.0.0.1 (an ephemeral port the first time, the same port after a stop()).
    void start();
    /// Closes the listener and every connection: connections are refused until start().
    void stop();

    unsigned short port() const;
    /// http://127.0.0.1:<port>/v1/events
    std::string url() const;

    /// Answers the next requests with these responders, in order; afterwards the default one.
    void script(std::vector<Responder> responders);
    /// Answers every request without a scripted responder (initially created()).
    void setDefault(Responder responder);

    /// Events the fake accepted (201, 202, successes of a 207), in arrival order.
    std::vector<std::string> events() const;
    std::vector<Request> requests() const;
    /// Waits until at least n events were accepted; false at the deadline.
    bool waitForEvents(size_t n, std::chrono::steady_clock::time_point deadline) const;
    bool waitForRequests(size_t n, std::chrono::steady_clock::time_point deadline) const;
    /// Open client connections now.
    int openConnections() const;
    /// Connections accepted since start().
    int acceptedConnections() const;
    /// The most requests ever handled at the same time.
    size_t maxConcurrentRequests() const;

    /// 201 "All N out of N events were accepted.", empty chunked body, no content-type.
    static Responder created();
    /// 202 "N events hastily received.", empty body.
    static Responder hasty();
    /// EventGate's answer when each event is judged: 201 all succeeded, 207 mixed, 400 all
    /// invalid (body {"invalid":[...]}), 500 all failed with an error (both keys); bodies echo the
    /// events, reason phrases are EventGate's.
    static Responder judged(Judge judge);
    /// 500 with the problem object EventGate sends for a malformed or too large body.
    static Responder problem();
    /// 400 "Request body was empty. Must provide JSON encoded events." with an empty body.
    static Responder emptyBadRequest();
    /// Any status with a reason, body and content-type; accepts nothing.
    static Responder status(int code, const std::string& reason, const std::string& body = {},
        const std::string& contentType = "application/json; charset=utf-8");
    /// Never answers.
    static Responder hang();

private:
    class Handler;
    class HandlerFactory;
    void handle(Request& request, Reply& reply);
    void finish(size_t index, const Request& request, const Reply& reply);
    bool waitHang();

    Options _options;
    unsigned short _port = 0;
    std::unique_ptr<Poco::ThreadPool> _threads;
    std::unique_ptr<Poco::Net::HTTPServer> _server;

    mutable std::mutex _mutex;
    mutable std::condition_variable _changed;
    std::deque<Responder> _script;
    Responder _default;
    std::vector<Request> _requests;
    std::vector<std::string> _accepted;
    size_t _active = 0;
    size_t _maxActive = 0;
    uint64_t _generation = 0; ///< bumped by stop(): releases hanging requests
};

} // namespace test
} // namespace eventbus

#endif
