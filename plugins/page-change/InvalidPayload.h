// The error every input-contract check raises: which field is wrong and why. The decoder turns it
// into a 400 answer ("<field>: <problem>") before anything is emitted.
#ifndef EVENTBUS_PAGECHANGE_INVALIDPAYLOAD_H
#define EVENTBUS_PAGECHANGE_INVALIDPAYLOAD_H

#include <stdexcept>
#include <string>

namespace eventbus {
namespace pagechange {

class InvalidPayload : public std::runtime_error {
public:
    InvalidPayload(const std::string& field, const std::string& problem)
        : std::runtime_error(field.empty() ? problem : field + ": " + problem), _field(field)
    {
    }

    const std::string& field() const { return _field; }
    /// The dotted path of the offending field, e.g. "revision.slots.main.sha1"; empty for the body.

private:
    std::string _field;
};

} // namespace pagechange
} // namespace eventbus

#endif
