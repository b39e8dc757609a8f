#include "ExecLineListener.h"

#include "LineSplitter.h"
#include "LogThrottle.h"
#include "MetricsRegistry.h"

#include <Poco/Logger.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>

#include <chrono>
#include <csignal>

#include <sys/wait.h>

namespace eventbus {

namespace {
const size_t kDefaultMaxLine = 1 << 20;
const auto kMinDelay = std::chrono::milliseconds(200);
const auto kMaxDelay = std::chrono::seconds(60);
/// A child that ran this long is considered healthy: its next restart starts from kMinDelay again.
const auto kHealthyRun = std::chrono::seconds(30);
} // namespace

ExecLineListener::ExecLineListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec,
                                   IngressPipeline& pipeline, MetricsRegistry& metrics)
    : _plugin(std::move(plugin)), _spec(spec), _pipeline(pipeline), _metrics(metrics)
{
    _metrics.describe("eventbus_exec_restarts_total", "counter", "Exec listener children started again after they exited");
    _metrics.describe("eventbus_exec_restart_delay_seconds", "gauge", "Delay before the next start of an exec listener's child");
}

ExecLineListener::~ExecLineListener() { stop(); }

void ExecLineListener::start() { _thread = std::thread([this] { supervise(); }); }

void ExecLineListener::stop()
{
    _stop = true;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_pid > 0) {
            ::kill(-_pid, SIGTERM); // the child's whole process group
            ::kill(_pid, SIGTERM);  // in case it has not made its group yet
        }
    }
    _wake.notify_all();
    if (_thread.joinable()) {
        // A child that ignores SIGTERM gets SIGKILL after a grace period.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard<std::mutex> lock(_mutex);
                if (_pid == 0) break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        {
            std::lock_guard<std::mutex> lock(_mutex);
            if (_pid > 0) {
                ::kill(-_pid, SIGKILL);
                ::kill(_pid, SIGKILL);
            }
        }
        _thread.join();
    }
}

void ExecLineListener::supervise()
{
    auto& log = Poco::Logger::get("eventbusd");
    const Labels labels = {{"plugin", _plugin->name()}, {"listener", _spec.name}};
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(kMinDelay);
    bool first = true;
    while (!_stop) {
        if (!first) _metrics.add("eventbus_exec_restarts_total", labels);
        first = false;
        auto started = std::chrono::steady_clock::now();
        runOnce();
        if (_stop) break;
        if (std::chrono::steady_clock::now() - started > kHealthyRun) delay = kMinDelay;
        _metrics.set("eventbus_exec_restart_delay_seconds", labels, delay.count() / 1000.0);
        log.warning("plugin " + _plugin->name() + " listener " + _spec.name + ": child exited; restarting in " +
                    std::to_string(delay.count()) + " ms");
        std::unique_lock<std::mutex> lock(_mutex);
        _wake.wait_for(lock, delay, [this] { return _stop.load(); });
        delay = std::min<std::chrono::milliseconds>(delay * 2, kMaxDelay);
    }
}

void ExecLineListener::runOnce()
{
    auto& log = Poco::Logger::get("plugin." + _plugin->name());
    Poco::Pipe outPipe, errPipe;
    std::unique_ptr<Poco::ProcessHandle> handle;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_stop) return;
        try {
            // setsid makes the child a process-group leader, so stop() reaches its own children too.
            Poco::Process::Args args = {"-c", "exec setsid /bin/sh -c \"$0\"", _spec.address};
            handle = std::make_unique<Poco::ProcessHandle>(
                Poco::Process::launch("/bin/sh", args, nullptr, &outPipe, &errPipe));
        } catch (const Poco::Exception& e) {
            log.error("listener " + _spec.name + ": cannot start command: " + e.displayText());
            return;
        }
        _pid = handle->id();
    }
    std::thread errReader([&] {
        Poco::PipeInputStream err(errPipe);
        LogThrottle throttle(std::chrono::seconds(5));
        std::string line;
        while (std::getline(err, line)) {
            size_t suppressed = 0;
            if (throttle.allow("stderr", suppressed))
                log.warning(_spec.name + " stderr: " + line.substr(0, 2000) +
                            (suppressed ? " [" + std::to_string(suppressed) + " lines suppressed]" : ""));
        }
    });
    const size_t limit = _spec.maxMessageBytes ? _spec.maxMessageBytes : kDefaultMaxLine;
    IngressInput input;
    input.kind = EB_LISTEN_EXEC_LINES;
    input.listener = _spec.name;
    LineSplitter lines(limit);
    char buf[65536];
    for (;;) {
        int n = outPipe.readBytes(buf, sizeof buf);
        if (n <= 0) break;
        lines.feed(
            buf, static_cast<size_t>(n),
            [&](std::string_view line) {
                input.data = line;
                _pipeline.process(*_plugin, input);
            },
            [&] {
                _pipeline.countRejected(_plugin->name(), "oversized", "line longer than " + std::to_string(limit) + " bytes");
            });
    }
    outPipe.close();
    int status = handle->wait();
    errReader.join();
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _pid = 0;
    }
    if (!_stop) log.warning("listener " + _spec.name + ": command exited with status " + std::to_string(status));
}

} // namespace eventbus
