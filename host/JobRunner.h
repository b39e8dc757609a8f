// The job runner endpoint, POST /eventbus/v0/internal/job/execute (spec eventbus-behaviour.md
// section 7): checks a signed mediawiki/job event in the order and with the status codes and
// messages of MediaWiki's RunSingleJobHandler, then hands it to the executor registered for its
// type. Pure request handling: the HTTP ingress server feeds it method, content type and body.
#ifndef EVENTBUS_HOST_JOBRUNNER_H
#define EVENTBUS_HOST_JOBRUNNER_H

#include "JobExecutorRegistry.h"
#include "JobRunnerSettings.h"

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace eventbus {

struct JobRunnerResponse {
    int status = 200;
    std::string body; ///< always a JSON document (content type application/json)
};

class JobRunner {
public:
    static const char* const kRoute;

    JobRunner(JobRunnerSettings settings, const JobExecutorRegistry& executors);

    JobRunnerResponse handle(std::string_view method, std::string_view contentType, std::string_view body) const;
    /// Answers one request. Unsigned, forged or altered jobs never reach an executor.

    static bool signatureMatches(const rapidjson::Value& event, std::string_view secret);
    /// True when event's mediawiki_signature is a string equal (constant time) to the HMAC-SHA1
    /// under secret of the event re-encoded without it, as MediaWiki signed it. Also accepts the
    /// event with meta.dt taken out: the jobqueue plugin and EventGate add meta.dt after signing.
    /// Never true for an empty secret.

    static bool isStrictBase64(std::string_view payload);
    /// PHP base64_decode($payload, true) succeeds: whitespace skipped, padding optional but exact.

    static std::string errorBody(int status, std::string_view message, const std::string& extraMembers = {});
    /// Core REST error JSON: {"message":...,<extraMembers>,"httpCode":...,"httpReason":...};
    /// extraMembers are encoded members placed after message, e.g. "\"missing_params\":[\"type\"]".

private:
    JobRunnerResponse runJob(const rapidjson::Document& event, std::string_view body) const;

    JobRunnerSettings _settings;
    const JobExecutorRegistry& _executors;
};

} // namespace eventbus

#endif
