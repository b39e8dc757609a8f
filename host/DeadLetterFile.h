// Dead letters as JSON lines: {"reason":...,"service":...,"stream":...,"event":<the raw event>}.
#ifndef EVENTBUS_HOST_DEADLETTERFILE_H
#define EVENTBUS_HOST_DEADLETTERFILE_H

#include <fstream>
#include <mutex>
#include <string>

namespace eventbus {

class DeadLetterFile {
public:
    /// An empty path keeps no file (dead letters are then only logged and counted).
    explicit DeadLetterFile(const std::string& path);

    /// Appends one line and flushes it, creating the file and its directory on first use.
    /// eventJson is embedded verbatim, so a reader gets back exactly the bytes that were refused.
    /// Throws Poco::Exception when the file cannot be written.
    void write(const std::string& reason, const std::string& service, const std::string& stream,
        const std::string& eventJson);

    /// One line as written by write(), without the newline.
    static std::string format(const std::string& reason, const std::string& service,
        const std::string& stream, const std::string& eventJson);

private:
    std::string _path;
    std::mutex _mutex;
    std::ofstream _out;
};

} // namespace eventbus

#endif
