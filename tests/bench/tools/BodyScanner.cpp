#include "BodyScanner.h"

#include <cstring>

namespace eventbus {
namespace bench {

const char BodyScanner::STAMP_KEY[] = "\"bench_ts\":";

size_t BodyScanner::scan(const char* body, size_t size, std::vector<int64_t>& stamps)
{
    const size_t keyLength = sizeof(STAMP_KEY) - 1;
    const size_t before = stamps.size();
    const char* end = body + size;
    const char* at = body;
    // memmem is vectorized in glibc: much cheaper per byte than walking the JSON structure.
    while (at < end) {
        const void* hit = memmem(at, size_t(end - at), STAMP_KEY, keyLength);
        if (!hit)
            break;
        const char* digit = static_cast<const char*>(hit) + keyLength;
        int64_t value = 0;
        bool any = false;
        while (digit < end && *digit >= '0' && *digit <= '9') {
            value = value * 10 + (*digit - '0');
            ++digit;
            any = true;
        }
        if (any)
            stamps.push_back(value);
        at = digit;
    }
    const size_t found = stamps.size() - before;
    return found > 0 ? found : countTopLevel(body, size);
}

size_t BodyScanner::countTopLevel(const char* body, size_t size)
{
    size_t i = 0;
    while (i < size && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        ++i;
    if (i == size)
        return 0;
    if (body[i] == '{')
        return 1;
    if (body[i] != '[')
        return 0;
    size_t elements = 0;
    bool pending = false; // a value started at depth 1 and is not yet counted
    int depth = 0;
    bool inString = false;
    for (; i < size; ++i) {
        const char c = body[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            if (depth == 1)
                pending = true;
            break;
        case '[':
        case '{':
            if (depth == 1)
                pending = true;
            ++depth;
            break;
        case ']':
        case '}':
            --depth;
            if (depth == 0 && pending) {
                ++elements;
                pending = false;
            }
            break;
        case ',':
            if (depth == 1 && pending) {
                ++elements;
                pending = false;
            }
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
            break;
        default:
            if (depth == 1)
                pending = true;
        }
    }
    return elements;
}

} // namespace bench
} // namespace eventbus
