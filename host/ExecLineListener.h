// A child command run for a plugin: each line of its standard output is one input (the exec
// plugin runs adapters written in any language, or untrusted ones, out of process). The child is
// restarted with a growing delay when it exits, its standard error goes to the log (rate-limited),
// and its output is bounded like any ingress: lines over the limit and events over the budget are
// counted and dropped, and a child that writes faster than events are taken is slowed by the pipe.
#ifndef EVENTBUS_HOST_EXECLINELISTENER_H
#define EVENTBUS_HOST_EXECLINELISTENER_H

#include "IngressPipeline.h"

#include <Poco/Process.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace eventbus {

class MetricsRegistry;

class ExecLineListener {
public:
    ExecLineListener(std::shared_ptr<PluginInstance> plugin, const ListenerSpec& spec, IngressPipeline& pipeline,
                     MetricsRegistry& metrics);
    ~ExecLineListener();
    void start();
    /// Terminates the child (SIGTERM, then SIGKILL after a grace period) and joins the threads.
    void stop();

private:
    void supervise();
    /// Runs the child once; returns when its standard output closes.
    void runOnce();

    std::shared_ptr<PluginInstance> _plugin;
    ListenerSpec _spec;
    IngressPipeline& _pipeline;
    MetricsRegistry& _metrics;
    std::thread _thread;
    std::atomic<bool> _stop{false};
    std::mutex _mutex;
    std::condition_variable _wake;
    Poco::Process::PID _pid = 0;
};

} // namespace eventbus

#endif
