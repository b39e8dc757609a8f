// The job runner endpoint: a request body goes through the checks and the signature comparison;
// a job whose signature matches "secret" reaches an executor that only answers.
#include "JobExecutorRegistry.h"
#include "JobRunner.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace eventbus;

namespace {

int answer(void*, const char*, size_t, const eb_job_reply* reply)
{
    static const char body[] = R"({"status":true,"error":null,"caught":[],"timeMs":1})";
    reply->reply(reply->ctx, 200, body, sizeof body - 1);
    return EB_OK;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static JobExecutorRegistry registry;
    static const bool registered = registry.add("deletePage", answer, nullptr);
    (void)registered;
    static const JobRunner runner([] {
        JobRunnerSettings s;
        s.enabled = true;
        s.secret = "secret";
        return s;
    }(), registry);
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    runner.handle("POST", "application/json", body);
    JobRunner::isStrictBase64(body);
    return 0;
}
