// PHP's serialize() for the values a decoded JSON document can hold (spec eventbus-behaviour.md
// section 6.4). MediaWiki hashes this form of a job's de-duplication info, so the bytes must match
// PHP's exactly for the sha1 to agree with jobs pushed by MediaWiki itself.
#ifndef EVENTBUS_JOBQUEUE_PHPSERIALIZE_H
#define EVENTBUS_JOBQUEUE_PHPSERIALIZE_H

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace eventbus {
namespace jobqueue {

class PhpSerialize {
public:
    static std::string serialize(const rapidjson::Value& value);
    /// The serialization of value as json_decode($json, true) would have produced it:
    /// objects and arrays become PHP arrays, decimal-integer string keys become integer keys.

    static void appendTo(std::string& out, const rapidjson::Value& value);
    /// Appends the serialization of value to out.

    static void appendKey(std::string& out, std::string_view key);
    /// Appends an array key: i:<n>; for a canonical decimal integer that fits PHP_INT, else s:...;

    static bool isIntegerKey(std::string_view key);
    /// True when PHP turns the string key into an integer key ("12", "-3"; not "012", "+1", "-0").
};

} // namespace jobqueue
} // namespace eventbus

#endif
