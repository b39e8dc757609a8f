// Settings of the job runner endpoint (POST /eventbus/v0/internal/job/execute), read by the host
// from the jobrunner.* keys of eventbusd.properties.
#ifndef EVENTBUS_HOST_JOBRUNNERSETTINGS_H
#define EVENTBUS_HOST_JOBRUNNERSETTINGS_H

#include <cstddef>
#include <string>

namespace eventbus {

struct JobRunnerSettings {
    bool enabled = false;           ///< jobrunner.enabled ($wgEventBusEnableRunJobAPI); false answers 501
    std::string secret;             ///< jobrunner.secret ($wgSecretKey); empty refuses every job (403)
    bool readOnly = false;          ///< jobrunner.read_only: answer 423, as a read-only wiki does
    std::string command;            ///< jobrunner.command: run by /bin/sh -c with the job on stdin; empty: none
    long timeoutSeconds = 300;      ///< jobrunner.timeout: the command is killed after this long
    std::size_t maxErrorBytes = 4096; ///< jobrunner.max_error_bytes: stderr excerpt kept for the 500 answer
};

} // namespace eventbus

#endif
