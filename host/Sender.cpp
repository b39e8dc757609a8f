#include "Sender.h"

#include "FileSender.h"
#include "HttpSender.h"

#include <stdexcept>

namespace eventbus {

std::unique_ptr<Sender> Sender::create(const ServiceSettings& service)
{
    if (service.url.rfind("file:", 0) == 0)
        return std::make_unique<FileSender>(service);
    if (service.url.rfind("http://", 0) == 0)
        return std::make_unique<HttpSender>(service);
    throw std::invalid_argument("event service " + service.name + ": url " + service.url
        + " is neither http://host[:port]/path nor file:/path (https needs a TLS-terminating proxy)");
}

} // namespace eventbus
