// eventbusd as a child process, as operators run it: started with a configuration, stopped with
// a signal, its exit status and standard error kept for assertions.
#ifndef EVENTBUS_TESTS_DAEMONPROCESS_H
#define EVENTBUS_TESTS_DAEMONPROCESS_H

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace eventbus {
namespace test {

class DaemonProcess {
public:
    /// Starts build/bin/eventbusd --config=configFile plus extra arguments; stderr goes to a file.
    DaemonProcess(const std::string& configFile, const std::vector<std::string>& extraArgs = {},
                  const std::string& workDir = "");
    ~DaemonProcess(); ///< SIGKILLs the child if it still runs

    pid_t pid() const { return _pid; }
    bool running();
    /// Sends sig; then waits up to timeout for the exit. Returns the exit status, or -1 on
    /// timeout, or 128+signal when killed by a signal.
    int stop(int sig, std::chrono::milliseconds timeout);
    void kill9();
    int exitStatus() const { return _status; }
    /// Everything the daemon wrote to standard error so far.
    std::string log() const;
    /// Waits until the log contains text.
    bool waitForLog(const std::string& text, std::chrono::milliseconds timeout) const;

private:
    bool reap(bool block);
    pid_t _pid = -1;
    int _status = -1;
    std::string _logFile;
};

} // namespace test
} // namespace eventbus

#endif
