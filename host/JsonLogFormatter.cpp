#include "JsonLogFormatter.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Message.h>
#include <Poco/UTF8String.h>

namespace eventbus {

namespace {

const char* levelName(Poco::Message::Priority p)
{
    switch (p) {
    case Poco::Message::PRIO_FATAL: return "fatal";
    case Poco::Message::PRIO_CRITICAL: return "critical";
    case Poco::Message::PRIO_ERROR: return "error";
    case Poco::Message::PRIO_WARNING: return "warning";
    case Poco::Message::PRIO_NOTICE: return "notice";
    case Poco::Message::PRIO_INFORMATION: return "information";
    case Poco::Message::PRIO_DEBUG: return "debug";
    case Poco::Message::PRIO_TRACE: return "trace";
    }
    return "unknown";
}

} // namespace

void JsonLogFormatter::format(const Poco::Message& msg, std::string& text)
{
    text = "{\"time\":\"" + Poco::DateTimeFormatter::format(msg.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ") +
           "\",\"level\":\"" + levelName(msg.getPriority()) + "\",\"logger\":\"" +
           Poco::UTF8::escape(msg.getSource(), true) + "\",\"message\":\"" + Poco::UTF8::escape(msg.getText(), true) +
           "\"}";
}

} // namespace eventbus
