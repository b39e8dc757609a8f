// POSTs batches to an EventGate over a per-service pool of keep-alive connections.
#ifndef EVENTBUS_HOST_HTTPSENDER_H
#define EVENTBUS_HOST_HTTPSENDER_H

#include "Sender.h"

#include <Poco/Net/HTTPClientSession.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

namespace eventbus {

class HttpSender : public Sender {
public:
    /// Throws std::invalid_argument when the url is not http://host[:port]/path.
    explicit HttpSender(const ServiceSettings& service);

    /// One POST with content-type application/json (and x-client-ip when the service forwards it
    /// and clientIp is known). A request that fails on a reused idle connection before any
    /// response byte arrives is sent once more on a fresh connection: the server may have closed
    /// the idle connection just as it was reused (EventGate closes them after 5 s).
    SendResponse send(const std::vector<StoredEvent>& events, const std::string& body,
        const std::string& clientIp) override;
    void abort() override;

    /// Path and query sent in the request line (with hasty=true when the service asks for it).
    const std::string& target() const;
    /// Requests resent on a fresh connection after a reused one failed.
    size_t staleRetries() const;

private:
    using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;

    /// An idle pooled session when allowed and available (reused = true), else a new one; null
    /// once aborted.
    Session acquire(bool allowIdle, bool& reused);
    static SendResponse aborted();
    void giveBack(Session session, bool keep);
    SendResponse exchange(Poco::Net::HTTPClientSession& session, const std::string& body,
        const std::string& clientIp, bool& staleConnection);

    ServiceSettings _service;
    std::string _host;
    unsigned short _port;
    std::string _target;
    std::string _authorization; ///< "Basic ..." when the url carries user:password
    std::mutex _mutex;
    std::vector<Session> _idle;
    std::set<Poco::Net::HTTPClientSession*> _busy;
    bool _aborted = false;
    std::atomic<size_t> _staleRetries{0};
};

} // namespace eventbus

#endif
