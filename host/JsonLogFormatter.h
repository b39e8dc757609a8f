// Log lines as JSON objects (eventbusd.log_format = json), one per line, for log shippers:
// {"time":"...","level":"warning","logger":"eventbusd","message":"..."}.
#ifndef EVENTBUS_HOST_JSONLOGFORMATTER_H
#define EVENTBUS_HOST_JSONLOGFORMATTER_H

#include <Poco/Formatter.h>

namespace eventbus {

class JsonLogFormatter : public Poco::Formatter {
public:
    void format(const Poco::Message& msg, std::string& text) override;
};

} // namespace eventbus

#endif
