#include "DaemonProcess.h"

#include "TestEnv.h"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace eventbus {
namespace test {

DaemonProcess::DaemonProcess(const std::string& configFile, const std::vector<std::string>& extraArgs,
                             const std::string& workDir)
{
    static int counter = 0;
    _logFile = "/tmp/eventbusd-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log";
    std::vector<std::string> args = {daemonPath(), "--config=" + configFile};
    // Tests run as root on CI machines; the daemon refuses that unless told.
    if (::geteuid() == 0) args.push_back("--allow-root");
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    // Everything the child needs is built before fork: only async-signal-safe calls after it.
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    _pid = ::fork();
    if (_pid < 0) throw std::runtime_error("fork failed");
    if (_pid == 0) {
        int fd = ::open(_logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            ::dup2(fd, 2);
            ::dup2(fd, 1);
        }
        if (!workDir.empty() && ::chdir(workDir.c_str()) != 0) ::_exit(126);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
}

DaemonProcess::~DaemonProcess()
{
    if (_pid > 0 && running()) kill9();
    ::unlink(_logFile.c_str());
}

bool DaemonProcess::reap(bool block)
{
    if (_pid <= 0) return true;
    int status = 0;
    pid_t r = ::waitpid(_pid, &status, block ? 0 : WNOHANG);
    if (r == _pid) {
        _status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        _pid = -1;
        return true;
    }
    return false;
}

bool DaemonProcess::running() { return !reap(false); }

int DaemonProcess::stop(int sig, std::chrono::milliseconds timeout)
{
    if (_pid > 0) ::kill(_pid, sig);
    if (!waitUntil([this] { return !running(); }, timeout)) return -1;
    return _status;
}

void DaemonProcess::kill9()
{
    if (_pid <= 0) return;
    ::kill(_pid, SIGKILL);
    reap(true);
}

std::string DaemonProcess::log() const { return readFile(_logFile); }

bool DaemonProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const
{
    return waitUntil([&] { return log().find(text) != std::string::npos; }, timeout);
}

} // namespace test
} // namespace eventbus
