// The EnableEventBus setting: which event types (TYPE_EVENT, TYPE_JOB, TYPE_PURGE) may be sent.
#ifndef EVENTBUS_HOST_ENABLEMASK_H
#define EVENTBUS_HOST_ENABLEMASK_H

#include <string>

namespace eventbus {

class EnableMask {
public:
    static constexpr int NONE = 0;
    static constexpr int EVENT = 1;
    static constexpr int JOB = 2;
    static constexpr int PURGE = 4;
    static constexpr int ALL = 7;

    /// Parses the setting as the extension does (spec 1.2), without its integer quirk: digits are
    /// an integer mask that must be a subset of 7 ("0" is TYPE_NONE, "5" is EVENT|PURGE); other
    /// non-empty text is TYPE_* names joined by '|', exact and untrimmed; "" means TYPE_ALL.
    /// Throws std::invalid_argument with the extension's messages
    /// ("Invalid $enableEventBus parameter: 9", "EnableEventBus: <token> not recognized").
    explicit EnableMask(const std::string& setting);

    int value() const;
    /// True when an event of this type passes the gate (mask & type != 0).
    bool allows(int type) const;

    /// The metric label of a type: its TYPE_* name, or the number when no name has that value.
    static std::string typeName(int type);

private:
    int _mask;
};

} // namespace eventbus

#endif
