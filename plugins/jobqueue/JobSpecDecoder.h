// Turns MediaWiki job specifications (JSON) into mediawiki/job/1.0.0 events exactly as the PHP
// JobQueueEventBus builds them (spec eventbus-behaviour.md section 6.4, input-wire-formats.md
// section 5.2): same keys in the same order, same de-duplication sha1, same HMAC signature.
#ifndef EVENTBUS_JOBQUEUE_JOBSPECDECODER_H
#define EVENTBUS_JOBQUEUE_JOBSPECDECODER_H

#include "Sha1Digest.h"

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus {
namespace jobqueue {

struct JobQueueSettings {
    std::string secret;                             ///< MediaWiki's $wgSecretKey: signs every job
    std::string serverName;                         ///< meta.domain for a database without an entry below
    std::map<std::string, std::string> wikiDomains; ///< database -> meta.domain (WikiMap display name)
    std::string defaultDatabase;                    ///< used when a job names no database; empty: required
};

/// Per-request values, injectable so that tests reproduce the spec's worked examples.
struct JobRequestContext {
    std::string requestId;                ///< the request id of jobs whose params carry none
    std::string dt;                       ///< meta.dt, added after signing
    std::function<std::string()> newId;   ///< meta.id generator
};

struct JobEvent {
    std::string stream;
    std::string id;
    std::string json;
};

struct JobDecodeResult {
    std::vector<JobEvent> events; ///< grouped by stream in order of first appearance
    std::string reason;           ///< metric label when rejected
    std::string error;            ///< why the request is rejected, naming the job index
    bool ok() const { return error.empty(); }
};

class JobSpecDecoder {
public:
    explicit JobSpecDecoder(JobQueueSettings settings);

    JobDecodeResult decode(std::string_view body, const JobRequestContext& context) const;
    /// Decodes one job specification or a JSON list of them; all or nothing.

    static std::string deduplicationInfo(std::string_view type, const rapidjson::Value& params,
                                         const std::vector<std::string>& ignoredParams);
    /// PHP serialize() of {type, params} with the root-job, release and request-id params and
    /// ignoredParams removed and the rest sorted as PHP's ksort sorts them.

    static bool phpKeyLess(std::string_view a, std::string_view b);
    /// PHP 8 ksort order: numeric comparison when both keys are numeric, byte order otherwise.

private:
    bool buildEvent(const rapidjson::Value& spec, const JobRequestContext& context, JobEvent& event,
                    std::string& sha1, std::string& error) const;

    JobQueueSettings _settings;
    std::shared_ptr<const Sha1Digest> _digest; ///< keyed with _settings.secret
};

} // namespace jobqueue
} // namespace eventbus

#endif
