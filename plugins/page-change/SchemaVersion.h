// Entity fragments gate fields by the requested fragment version ("1.3.0" >= "1.2.0").
#ifndef EVENTBUS_PAGECHANGE_SCHEMAVERSION_H
#define EVENTBUS_PAGECHANGE_SCHEMAVERSION_H

#include <cstdlib>
#include <string_view>

namespace eventbus {
namespace pagechange {

/// True when the dotted version a is at least b; missing parts count as 0.
inline bool schemaVersionAtLeast(std::string_view a, std::string_view b)
{
    while (!a.empty() || !b.empty()) {
        auto take = [](std::string_view& s) {
            long n = 0;
            size_t i = 0;
            for (; i < s.size() && s[i] != '.'; ++i)
                if (s[i] >= '0' && s[i] <= '9') n = n * 10 + (s[i] - '0');
            s = i < s.size() ? s.substr(i + 1) : std::string_view();
            return n;
        };
        long x = take(a), y = take(b);
        if (x != y) return x > y;
    }
    return true;
}

} // namespace pagechange
} // namespace eventbus

#endif
