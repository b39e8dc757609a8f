// Splits an EventGate request body (one event object or a JSON list of them) into the events'
// exact bytes, without re-serializing them. The common body (every event complete) is validated
// by simdjson, which also reads each meta, and a structural scan finds each event's byte range;
// any other body gets one UTF-8 check and a RapidJSON SAX scan (in situ, on a scratch copy) that
// finds the byte ranges and reads meta.stream, meta.id and meta.dt, and words every rejection.
// Only events lacking meta.id or meta.dt are copied, with the missing fields inserted textually
// at the end of meta.
#ifndef EVENTBUS_RELAY_RELAYDECODER_H
#define EVENTBUS_RELAY_RELAYDECODER_H

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus {
namespace relay {

struct RelayEvent {
    std::string_view stream; ///< meta.stream, unescaped, in RelayResult::unescaped
    std::string_view id;     ///< meta.id, unescaped; generated (in the rewritten json) when the event had none
    std::string_view json;   ///< the event's bytes: a slice of the body, or of RelayResult::rewritten
};

struct RelayResult {
    RelayResult() = default;
    RelayResult(RelayResult&&) = default;
    RelayResult& operator=(RelayResult&&) = default;
    RelayResult(const RelayResult&) = delete; ///< events point into rewritten and unescaped
    RelayResult& operator=(const RelayResult&) = delete;

    std::vector<RelayEvent> events;
    std::deque<std::string> rewritten; ///< events that got meta.id or meta.dt inserted
    std::vector<char> unescaped;       ///< the strings stream and id point into: the body parsed in situ
                                       ///< (RapidJSON), or their copies (the validated path)
    std::string reason;                ///< metric label when rejected
    std::string error;                 ///< why the body is rejected
    bool ok() const { return error.empty(); }
};

class RelayDecoder {
public:
    using IdGenerator = std::string (*)();

    /// How the body is read. Auto: simdjson's validating parser for the common case (every
    /// event complete, the body at most 1 MiB, no number with an exponent; x86-64 only), else
    /// as Recursive. Recursive: RapidJSON's recursive reader for bodies nested up to 128 levels,
    /// its iterative one (no stack per level) for deeper ones and to word rejections.
    /// Iterative: only the iterative reader, the reference the others are compared with in tests
    /// and fuzzing. Validated: only simdjson's path, for tests; a body it does not take comes
    /// back rejected with reason "not_validated".
    enum class Walk { Auto, Recursive, Iterative, Validated };

    static RelayResult decode(std::string_view body, std::string_view dt, IdGenerator newId, Walk walk = Walk::Auto);
    /// Scans body; dt is written as meta.dt and newId() as meta.id where they are absent. The
    /// events' json views point into body (which must outlive the result) or into the result.
    /// All or nothing: any bad event rejects the body. newId may be called for events of a
    /// body that is then rejected, or called again for them.

    static bool isHasty(std::string_view uri);
    /// True when the request target's query has a "hasty" parameter, whatever its value.
};

} // namespace relay
} // namespace eventbus

#endif
