#include "FileSender.h"

#include <Poco/URI.h>

#include <stdexcept>

namespace eventbus {

FileSender::FileSender(const ServiceSettings& service)
    : _path(Poco::URI(service.url).getPath())
{
    if (_path.empty())
        throw std::invalid_argument("event service " + service.name + ": url " + service.url + " has no path");
}

SendResponse FileSender::send(const std::vector<StoredEvent>& events, const std::string&, const std::string&)
{
    std::string lines;
    for (const StoredEvent& stored : events)
        lines += stored.event.json + '\n';
    SendResponse response;
    std::lock_guard<std::mutex> lock(_mutex);
    if (!_out.is_open())
        _out.open(_path, std::ios::app | std::ios::binary);
    _out.write(lines.data(), static_cast<std::streamsize>(lines.size()));
    _out.flush();
    if (!_out) {
        _out.close();
        response.failure = SendResponse::Failure::Io;
        response.reason = "cannot append to " + _path;
        return response;
    }
    response.status = 201;
    response.reason = "All " + std::to_string(events.size()) + " out of " + std::to_string(events.size())
        + " events were accepted.";
    return response;
}

void FileSender::abort()
{
}

const std::string& FileSender::path() const
{
    return _path;
}

} // namespace eventbus
