#ifndef EVENTBUS_MONOLOG_MONOLOGPLUGIN_H
#define EVENTBUS_MONOLOG_MONOLOGPLUGIN_H

#include "MonologRecordDecoder.h"

#include "eventbus/plugin.hpp"

namespace eventbus {
namespace monolog {

/// The monolog plugin: a TCP listener for JSON lines (Monolog's SocketHandler) and a UDP listener
/// for syslog-framed records (SyslogUdpHandler), decoded by MonologRecordDecoder as
/// EventBusMonologHandler turns records into events.
class MonologPlugin : public Plugin {
public:
    explicit MonologPlugin(Host& host);

    Status decode(const Input& in, Sink& out) override;

private:
    static MonologRecordDecoder::ChannelStreams channelStreams(const Host& host);

    MonologRecordDecoder _decoder;
};

} // namespace monolog
} // namespace eventbus

#endif
