// Which job executor runs a job type: plugins register through eb_host_api.register_job_executor
// while they are created, the job runner looks types up from its HTTP worker threads.
#ifndef EVENTBUS_HOST_JOBEXECUTORREGISTRY_H
#define EVENTBUS_HOST_JOBEXECUTORREGISTRY_H

#include "eventbus/plugin.h"

#include <map>
#include <mutex>
#include <string>

namespace eventbus {

class JobExecutorRegistry {
public:
    /// The fallback type: runs every job type without an executor of its own.
    static const char* const kAnyType;

    struct Executor {
        eb_job_execute_fn fn = nullptr;
        void* user = nullptr;
        explicit operator bool() const { return fn != nullptr; }
    };

    bool add(const std::string& jobType, eb_job_execute_fn fn, void* user);
    /// Registers fn for jobType ("*" for any type). False when jobType is empty, fn is null or
    /// the type already has an executor: two executors for one type is a configuration error.

    void removeUser(const void* user);
    /// Forgets every executor registered with this user pointer (a plugin instance being destroyed).

    Executor find(const std::string& jobType) const;
    /// The executor of jobType, else the "*" executor, else an empty Executor.

    std::size_t size() const;

private:
    mutable std::mutex _mutex;
    std::map<std::string, Executor> _executors;
};

} // namespace eventbus

#endif
