#include "JobExecutorRegistry.h"

namespace eventbus {

const char* const JobExecutorRegistry::kAnyType = "*";

bool JobExecutorRegistry::add(const std::string& jobType, eb_job_execute_fn fn, void* user) {
    if (jobType.empty() || !fn) return false;
    std::lock_guard<std::mutex> lock(_mutex);
    return _executors.emplace(jobType, Executor{fn, user}).second;
}

void JobExecutorRegistry::removeUser(const void* user) {
    std::lock_guard<std::mutex> lock(_mutex);
    for (auto it = _executors.begin(); it != _executors.end();) {
        if (it->second.user == user)
            it = _executors.erase(it);
        else
            ++it;
    }
}

JobExecutorRegistry::Executor JobExecutorRegistry::find(const std::string& jobType) const {
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _executors.find(jobType);
    if (it == _executors.end()) it = _executors.find(kAnyType);
    return it == _executors.end() ? Executor{} : it->second;
}

std::size_t JobExecutorRegistry::size() const {
    std::lock_guard<std::mutex> lock(_mutex);
    return _executors.size();
}

} // namespace eventbus
