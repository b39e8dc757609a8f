// The job executor that ships with eventbusd: runs a configured command (typically MediaWiki's
// maintenance/runSingleJobStdin.php) with the verified job event on standard input, under a
// timeout, and turns its exit status into the job runner's answer.
#ifndef EVENTBUS_HOST_COMMANDJOBEXECUTOR_H
#define EVENTBUS_HOST_COMMANDJOBEXECUTOR_H

#include "JobRunner.h"

#include "eventbus/plugin.h"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace eventbus {

class CommandJobExecutor {
public:
    CommandJobExecutor(std::string command, std::chrono::milliseconds timeout, std::size_t maxErrorBytes = 4096);
    /// command is run by /bin/sh -c in a process group of its own, so a timeout kills all of it.

    JobRunnerResponse run(std::string_view jobJson) const;
    /// Exit status 0: 200 {"status":true,"error":null,"caught":[],"timeMs":n}. Anything else is a
    /// 500 with the core REST error shape and "error" explaining it: the exit status or signal and
    /// the tail of stderr, a start failure, or "timed out after N ms" once the group was killed.

    static int execute(void* user, const char* jobJson, size_t len, const eb_job_reply* reply);
    /// eb_job_execute_fn for JobExecutorRegistry; user is the CommandJobExecutor.

private:
    std::string _command;
    std::chrono::milliseconds _timeout;
    std::size_t _maxErrorBytes;
};

} // namespace eventbus

#endif
