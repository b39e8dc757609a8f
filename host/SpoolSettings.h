// What the durable spool needs from the configuration (spool.* keys), already checked by Config.
#ifndef EVENTBUS_HOST_SPOOLSETTINGS_H
#define EVENTBUS_HOST_SPOOLSETTINGS_H

#include <cstdint>
#include <string>

namespace eventbus {

struct SpoolSettings {
    std::string mode = "durable";      ///< durable (SQLite file per service) or memory
    std::string dir = "spool";         ///< resolved against eventbusd.state_dir by Config
    std::string fsync = "interval";    ///< always: fsync every commit; interval: at most every fsyncIntervalMs
    int fsyncIntervalMs = 1000;
    uint64_t maxBytes = uint64_t(1) << 30; ///< per service: events, dead letters and quarantined rows
    int requeuePollMs = 2000;          ///< how often the daemon looks for dead letters an operator requeued

    bool durable() const { return mode == "durable"; }
    bool fsyncAlways() const { return fsync == "always"; }
};

} // namespace eventbus

#endif
