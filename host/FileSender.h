// The embedded target for file:/path service urls: each event becomes one JSON line.
#ifndef EVENTBUS_HOST_FILESENDER_H
#define EVENTBUS_HOST_FILESENDER_H

#include "Sender.h"

#include <fstream>
#include <mutex>

namespace eventbus {

class FileSender : public Sender {
public:
    /// Throws std::invalid_argument when the url has no path.
    explicit FileSender(const ServiceSettings& service);

    /// Appends and flushes the events; answers 201 like EventGate, or status 0 with the error.
    SendResponse send(const std::vector<StoredEvent>& events, const std::string& body,
        const std::string& clientIp) override;
    void abort() override;

    const std::string& path() const;

private:
    std::string _path;
    std::mutex _mutex;
    std::ofstream _out;
};

} // namespace eventbus

#endif
