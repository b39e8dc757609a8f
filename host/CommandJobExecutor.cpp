#include "CommandJobExecutor.h"

#include "eventbus/PhpJson.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace eventbus {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : _fd(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { close(); }
    int get() const { return _fd; }
    bool open() const { return _fd >= 0; }
    void reset(int fd) {
        close();
        _fd = fd;
    }
    void close() {
        if (_fd >= 0) ::close(_fd);
        _fd = -1;
    }

private:
    int _fd = -1;
};

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

long long millisSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// The end of stderr, where fatal errors are, made safe for a JSON string.
std::string excerpt(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    size_t start = 0;
    while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
    text.erase(0, start);
    if (!json::isValidUtf8(text))
        for (char& c : text)
            if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    return text;
}

JobRunnerResponse failure(const std::string& error) {
    std::string quoted;
    json::appendString(quoted, error);
    return {500, JobRunner::errorBody(500, "Internal Server Error", "\"error\":" + quoted)};
}

} // namespace

CommandJobExecutor::CommandJobExecutor(std::string command, std::chrono::milliseconds timeout,
                                       std::size_t maxErrorBytes)
    : _command(std::move(command)), _timeout(timeout), _maxErrorBytes(maxErrorBytes) {}

int CommandJobExecutor::execute(void* user, const char* jobJson, size_t len, const eb_job_reply* reply) {
    const auto* self = static_cast<const CommandJobExecutor*>(user);
    const JobRunnerResponse response = self->run(std::string_view(jobJson, len));
    reply->reply(reply->ctx, response.status, response.body.data(), response.body.size());
    return EB_OK;
}

JobRunnerResponse CommandJobExecutor::run(std::string_view jobJson) const {
    const auto started = Clock::now();
    const auto deadline = started + _timeout;

    // stdin is a socket so that writing to a command that stopped reading gives EPIPE through
    // MSG_NOSIGNAL instead of a SIGPIPE for the whole daemon.
    int stdinPair[2];
    int stdoutPipe[2];
    int stderrPipe[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stdinPair) != 0)
        return failure(std::string("cannot create the command's stdin: ") + std::strerror(errno));
    Fd toChild(stdinPair[0]);
    Fd childIn(stdinPair[1]);
    if (::pipe2(stdoutPipe, O_CLOEXEC) != 0)
        return failure(std::string("cannot create the command's stdout: ") + std::strerror(errno));
    Fd fromStdout(stdoutPipe[0]);
    Fd childOut(stdoutPipe[1]);
    if (::pipe2(stderrPipe, O_CLOEXEC) != 0)
        return failure(std::string("cannot create the command's stderr: ") + std::strerror(errno));
    Fd fromStderr(stderrPipe[0]);
    Fd childErr(stderrPipe[1]);

    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, childIn.get(), 0);
    ::posix_spawn_file_actions_adddup2(&actions, childOut.get(), 1);
    ::posix_spawn_file_actions_adddup2(&actions, childErr.get(), 2);
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD}) sigaddset(&defaults, sig);
    ::posix_spawnattr_setsigmask(&attributes, &none);
    ::posix_spawnattr_setsigdefault(&attributes, &defaults);
    ::posix_spawnattr_setpgroup(&attributes, 0);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::string shell = "/bin/sh";
    std::string dashC = "-c";
    std::string command = _command;
    char* argv[] = {shell.data(), dashC.data(), command.data(), nullptr};
    pid_t pid = -1;
    const int spawnError = ::posix_spawn(&pid, shell.c_str(), &actions, &attributes, argv, environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
    childIn.close();
    childOut.close();
    childErr.close();
    if (spawnError != 0) return failure("cannot start the job command: " + std::string(std::strerror(spawnError)));

    setNonBlocking(toChild.get());
    setNonBlocking(fromStdout.get());
    setNonBlocking(fromStderr.get());
    size_t written = 0;
    if (jobJson.empty()) toChild.close();
    std::string errors;
    bool timedOut = false;
    char buffer[8192];
    while (fromStdout.open() || fromStderr.open()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timedOut = true;
            break;
        }
        pollfd fds[3];
        nfds_t count = 0;
        if (toChild.open()) fds[count++] = {toChild.get(), POLLOUT, 0};
        if (fromStdout.open()) fds[count++] = {fromStdout.get(), POLLIN, 0};
        if (fromStderr.open()) fds[count++] = {fromStderr.get(), POLLIN, 0};
        const int ready = ::poll(fds, count, static_cast<int>(std::min<long long>(left, 1000)));
        if (ready < 0 && errno != EINTR) break;
        for (nfds_t i = 0; ready > 0 && i < count; ++i) {
            if (fds[i].revents == 0) continue;
            if (fds[i].fd == toChild.get()) {
                const ssize_t n = ::send(toChild.get(), jobJson.data() + written, jobJson.size() - written, MSG_NOSIGNAL);
                if (n > 0) written += static_cast<size_t>(n);
                if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == jobJson.size()) toChild.close();
                continue;
            }
            Fd& source = fds[i].fd == fromStdout.get() ? fromStdout : fromStderr;
            const ssize_t n = ::read(source.get(), buffer, sizeof buffer);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                source.close();
            } else if (n > 0 && &source == &fromStderr) {
                errors.append(buffer, static_cast<size_t>(n));
                if (errors.size() > _maxErrorBytes) errors.erase(0, errors.size() - _maxErrorBytes);
            }
        }
    }
    toChild.close();

    int status = 0;
    pid_t reaped = 0;
    while (!timedOut && (reaped = ::waitpid(pid, &status, WNOHANG)) == 0) {
        if (Clock::now() >= deadline) {
            timedOut = true;
            break;
        }
        // The command closed its output but has not exited yet; this is short in practice.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (timedOut) {
        ::kill(-pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        Poco::Logger::get("JobRunner").error("Job command timed out after %lld ms and was killed",
                                             static_cast<long long>(_timeout.count()));
        return failure("the job command timed out after " + std::to_string(_timeout.count()) + " ms and was killed");
    }
    if (reaped < 0) return failure("cannot collect the job command's exit status: " + std::string(std::strerror(errno)));

    const std::string tail = excerpt(std::move(errors));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return {200, "{\"status\":true,\"error\":null,\"caught\":[],\"timeMs\":" + std::to_string(millisSince(started)) + "}"};
    std::string why = WIFEXITED(status) ? "the job command exited with status " + std::to_string(WEXITSTATUS(status))
                                        : "the job command was killed by signal " + std::to_string(WTERMSIG(status));
    if (!tail.empty()) why += ": " + tail;
    return failure(why);
}

} // namespace eventbus
