#include "EnableMask.h"

#include <stdexcept>

namespace eventbus {

namespace {

struct TypeName {
    const char* name;
    int value;
};

const TypeName TYPE_NAMES[] = {
    {"TYPE_NONE", EnableMask::NONE},
    {"TYPE_EVENT", EnableMask::EVENT},
    {"TYPE_JOB", EnableMask::JOB},
    {"TYPE_PURGE", EnableMask::PURGE},
    {"TYPE_ALL", EnableMask::ALL},
};

bool isInteger(const std::string& text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

int parseTokens(const std::string& setting)
{
    int mask = 0;
    size_t start = 0;
    while (true) {
        size_t end = setting.find('|', start);
        std::string token = setting.substr(start, end == std::string::npos ? std::string::npos : end - start);
        bool known = false;
        for (const TypeName& type : TYPE_NAMES) {
            if (token == type.name) {
                mask |= type.value;
                known = true;
            }
        }
        if (!known)
            throw std::invalid_argument("EnableEventBus: " + token + " not recognized");
        if (end == std::string::npos)
            return mask;
        start = end + 1;
    }
}

} // namespace

EnableMask::EnableMask(const std::string& setting)
    : _mask(ALL)
{
    if (setting.empty())
        return;
    if (isInteger(setting)) {
        unsigned long value = setting.size() > 9 ? ALL + 1 : std::stoul(setting);
        if ((value & ALL) != value)
            throw std::invalid_argument("Invalid $enableEventBus parameter: " + setting);
        _mask = static_cast<int>(value);
        return;
    }
    _mask = parseTokens(setting);
}

int EnableMask::value() const
{
    return _mask;
}

bool EnableMask::allows(int type) const
{
    return (_mask & type) != 0;
}

std::string EnableMask::typeName(int type)
{
    for (const TypeName& name : TYPE_NAMES) {
        if (name.value == type)
            return name.name;
    }
    return std::to_string(type);
}

} // namespace eventbus
