#include "HttpFraming.h"

#include <cstdlib>
#include <cstring>
#include <strings.h>

namespace eventbus {
namespace bench {

std::string HttpFraming::header(const char* block, size_t size, const char* name)
{
    const size_t nameLength = strlen(name);
    size_t line = 0;
    while (line < size) {
        const char* eol = static_cast<const char*>(memchr(block + line, '\n', size - line));
        const size_t lineEnd = eol ? size_t(eol - block) : size;
        if (lineEnd - line > nameLength && block[line + nameLength] == ':'
            && strncasecmp(block + line, name, nameLength) == 0) {
            size_t value = line + nameLength + 1;
            while (value < lineEnd && (block[value] == ' ' || block[value] == '\t'))
                ++value;
            size_t end = lineEnd;
            while (end > value && (block[end - 1] == '\r' || block[end - 1] == ' '))
                --end;
            return std::string(block + value, end - value);
        }
        line = lineEnd + 1;
    }
    return std::string();
}

size_t HttpFraming::dechunk(const char* data, size_t size, std::string* body)
{
    if (body)
        body->clear();
    size_t at = 0;
    for (;;) {
        const char* eol = static_cast<const char*>(memmem(data + at, size - at, "\r\n", 2));
        if (!eol)
            return 0;
        char* end = nullptr;
        const unsigned long length = strtoul(data + at, &end, 16);
        if (end == data + at)
            return std::string::npos;
        at = size_t(eol - data) + 2;
        if (length == 0) {
            // No trailers are expected: the last chunk is followed by the empty line.
            if (size - at < 2)
                return 0;
            return at + 2;
        }
        if (size - at < length + 2)
            return 0;
        if (body)
            body->append(data + at, length);
        at += length + 2;
    }
}

} // namespace bench
} // namespace eventbus
