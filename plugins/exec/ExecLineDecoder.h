// One line of an exec child's standard output -> one event. The line must be a JSON object with
// "$schema" and meta.stream; meta.id and meta.dt are added when absent. The event's bytes are
// otherwise kept as the child wrote them: the child is the producer.
#ifndef EVENTBUS_PLUGINS_EXECLINEDECODER_H
#define EVENTBUS_PLUGINS_EXECLINEDECODER_H

#include <string>
#include <string_view>

namespace eventbus {

struct ExecLineResult {
    bool ok = false;
    std::string reason;  ///< metric label when not ok
    std::string message; ///< why, for the log
    std::string stream;
    std::string id;
    std::string json;
};

class ExecLineDecoder {
public:
    static ExecLineResult decode(std::string_view line);
};

} // namespace eventbus

#endif
