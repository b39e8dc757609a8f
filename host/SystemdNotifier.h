// sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET (Poco has no helper for it).
// A missing NOTIFY_SOCKET (not started by systemd) makes every call a no-op.
#ifndef EVENTBUS_HOST_SYSTEMDNOTIFIER_H
#define EVENTBUS_HOST_SYSTEMDNOTIFIER_H

#include <string>

namespace eventbus {

class SystemdNotifier {
public:
    /// Sends state (e.g. "READY=1") to $NOTIFY_SOCKET; returns false when unset or on error.
    static bool notify(const std::string& state);
};

} // namespace eventbus

#endif
