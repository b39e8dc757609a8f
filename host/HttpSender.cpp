#include "HttpSender.h"

#include <Poco/Net/HTTPBasicCredentials.h>

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <stdexcept>

namespace eventbus {

namespace {

/// Below EventGate's 5 s idle close, so a pooled connection is normally dropped by us first;
/// the stale-connection retry covers the remaining race.
const Poco::Timespan CLIENT_KEEP_ALIVE(4, 0);

Poco::Timespan seconds(double value)
{
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(value * 1e6));
}

} // namespace

HttpSender::HttpSender(const ServiceSettings& service)
    : _service(service)
{
    Poco::URI uri;
    try {
        uri = Poco::URI(service.url);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("event service " + service.name + ": bad url " + service.url + ": " + e.displayText());
    }
    if (uri.getScheme() != "http" || uri.getHost().empty())
        throw std::invalid_argument("event service " + service.name + ": url " + service.url + " is not http://host[:port]/path");
    _host = uri.getHost();
    _port = uri.getPort();
    _target = uri.getPathAndQuery();
    if (!uri.getUserInfo().empty()) {
        // http://user:password@host/... : EventGate behind basic authentication.
        const std::string& info = uri.getUserInfo();
        auto colon = info.find(':');
        Poco::Net::HTTPBasicCredentials credentials(info.substr(0, colon),
            colon == std::string::npos ? std::string() : info.substr(colon + 1));
        Poco::Net::HTTPRequest probe;
        credentials.authenticate(probe);
        _authorization = probe.get(Poco::Net::HTTPRequest::AUTHORIZATION);
    }
    if (_target.empty())
        _target = "/";
    if (service.hasty)
        _target += (uri.getRawQuery().empty() ? "?" : "&") + std::string("hasty=true");
}

const std::string& HttpSender::target() const
{
    return _target;
}

size_t HttpSender::staleRetries() const
{
    return _staleRetries;
}

HttpSender::Session HttpSender::acquire(bool allowIdle, bool& reused)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Session session;
    reused = false;
    if (_aborted)
        return session;
    reused = allowIdle && !_idle.empty();
    if (reused) {
        session = std::move(_idle.back());
        _idle.pop_back();
    } else {
        session = std::make_unique<Poco::Net::HTTPClientSession>(_host, _port);
        session->setKeepAlive(true);
        session->setKeepAliveTimeout(CLIENT_KEEP_ALIVE);
    }
    session->setTimeout(seconds(_service.connectTimeoutSeconds), seconds(_service.timeoutSeconds),
        seconds(_service.timeoutSeconds));
    _busy.insert(session.get());
    return session;
}

void HttpSender::giveBack(Session session, bool keep)
{
    std::lock_guard<std::mutex> lock(_mutex);
    _busy.erase(session.get());
    if (keep && !_aborted && _idle.size() < static_cast<size_t>(std::max(_service.connections, 1)))
        _idle.push_back(std::move(session));
}

SendResponse HttpSender::exchange(Poco::Net::HTTPClientSession& session, const std::string& body,
    const std::string& clientIp, bool& staleConnection)
{
    SendResponse response;
    staleConnection = false;
    bool sent = false;
    try {
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, _target, Poco::Net::HTTPMessage::HTTP_1_1);
        request.set("content-type", "application/json");
        if (!_authorization.empty())
            request.set(Poco::Net::HTTPRequest::AUTHORIZATION, _authorization);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        request.setKeepAlive(true);
        if (_service.forwardClientIp && !clientIp.empty())
            request.set("x-client-ip", clientIp);
        // The request stream hands the socket 4 KB per call: a 500 KB batch became 125 sends and
        // as many small segments. The header goes through it; the body goes to the socket whole,
        // without Nagle's wait for the header's acknowledgement.
        std::ostream& out = session.sendRequest(request);
        out.flush();
        if (!out)
            throw Poco::Net::NetException("request header not sent");
        session.socket().setNoDelay(true);
        for (size_t offset = 0; offset < body.size();) {
            int chunk = static_cast<int>(std::min<size_t>(body.size() - offset, 1 << 30));
            int n = session.socket().sendBytes(body.data() + offset, chunk);
            if (n <= 0)
                throw Poco::Net::NetException("request body not sent");
            offset += static_cast<size_t>(n);
        }
        sent = true;
        Poco::Net::HTTPResponse answer;
        std::istream& in = session.receiveResponse(answer);
        Poco::StreamCopier::copyToString(in, response.body);
        response.status = answer.getStatus();
        response.reason = answer.getReason();
        if (!answer.getKeepAlive())
            session.reset();
    } catch (const Poco::TimeoutException& e) {
        response.failure = SendResponse::Failure::Timeout;
        response.reason = "timeout: " + e.displayText();
    } catch (const Poco::Net::ConnectionRefusedException& e) {
        response.failure = SendResponse::Failure::Connect;
        response.reason = "connection refused: " + e.displayText();
    } catch (const Poco::Net::NoMessageException& e) {
        staleConnection = true;
        response.failure = SendResponse::Failure::Io;
        response.reason = e.displayText();
    } catch (const Poco::Exception& e) {
        staleConnection = !sent || dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) != nullptr;
        response.failure = session.connected() || sent ? SendResponse::Failure::Io : SendResponse::Failure::Connect;
        response.reason = e.displayText();
    } catch (const std::exception& e) {
        response.failure = SendResponse::Failure::Io;
        response.reason = e.what();
    }
    if (response.status == 0)
        session.reset();
    return response;
}

SendResponse HttpSender::send(const std::vector<StoredEvent>&, const std::string& body, const std::string& clientIp)
{
    bool reused = false;
    Session session = acquire(true, reused);
    bool stale = false;
    SendResponse response = session ? exchange(*session, body, clientIp, stale) : aborted();
    if (response.status == 0 && reused && stale) {
        giveBack(std::move(session), false);
        ++_staleRetries;
        session = acquire(false, reused);
        response = session ? exchange(*session, body, clientIp, stale) : aborted();
    }
    if (session)
        giveBack(std::move(session), response.status != 0);
    return response;
}

SendResponse HttpSender::aborted()
{
    SendResponse response;
    response.failure = SendResponse::Failure::Io;
    response.reason = "aborted: shutting down";
    return response;
}

void HttpSender::abort()
{
    std::lock_guard<std::mutex> lock(_mutex);
    _aborted = true;
    _idle.clear();
    // shutdown() wakes a blocked send or receive; closing the socket under it could race with
    // the file descriptor's reuse.
    for (Poco::Net::HTTPClientSession* session : _busy) {
        try {
            session->socket().shutdown();
        } catch (const Poco::Exception&) {
            // not connected yet or already closed: nothing to wake
        }
    }
}

} // namespace eventbus
