#include "DeadLetterFile.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace eventbus {

DeadLetterFile::DeadLetterFile(const std::string& path)
    : _path(path)
{
}

std::string DeadLetterFile::format(const std::string& reason, const std::string& service,
    const std::string& stream, const std::string& eventJson)
{
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("reason");
    writer.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
    writer.Key("service");
    writer.String(service.data(), static_cast<rapidjson::SizeType>(service.size()));
    writer.Key("stream");
    writer.String(stream.data(), static_cast<rapidjson::SizeType>(stream.size()));
    writer.Key("event");
    writer.RawValue(eventJson.data(), eventJson.size(), rapidjson::kObjectType);
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

void DeadLetterFile::write(const std::string& reason, const std::string& service,
    const std::string& stream, const std::string& eventJson)
{
    if (_path.empty())
        return;
    std::string line = format(reason, service, stream, eventJson) + '\n';
    std::lock_guard<std::mutex> lock(_mutex);
    if (!_out.is_open()) {
        // The state directory may not exist yet when the first event fails (nothing else in a
        // memory-only setup writes there).
        Poco::Path parent(_path);
        if (parent.depth() > 0)
            Poco::File(parent.makeParent()).createDirectories();
        _out.open(_path, std::ios::app | std::ios::binary);
    }
    const std::streamoff before = _out ? static_cast<std::streamoff>(Poco::File(_path).getSize()) : -1;
    _out.write(line.data(), static_cast<std::streamsize>(line.size()));
    _out.flush();
    if (!_out) {
        _out.close();
        // A full disk can leave part of the line: cut it off, or the letter written when there
        // is room again would continue it and spoil both lines.
        if (before >= 0) {
            try {
                Poco::File(_path).setSize(static_cast<Poco::File::FileSize>(before));
            } catch (const Poco::Exception&) {
            }
        }
        throw Poco::FileException("cannot write dead letter file", _path);
    }
}

} // namespace eventbus
