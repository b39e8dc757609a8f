// Typed, path-aware access to one JSON object of a request body. Every accessor either returns a
// checked value or throws InvalidPayload naming the full dotted path of the field
// ("revision.slots.main.size: expected an integer"), which is what the 400 answer reports.
// "Absent" and JSON null are the same thing for optional fields, as for PHP's isset().
#ifndef EVENTBUS_PAGECHANGE_PAYLOADREADER_H
#define EVENTBUS_PAGECHANGE_PAYLOADREADER_H

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace eventbus {
namespace pagechange {

class PayloadReader {
public:
    /// object must outlive the reader; path is the dotted path of object ("" for the body).
    PayloadReader(const rapidjson::Value& object, std::string path);

    /// Wraps a value that must be an object.
    static PayloadReader objectAt(const rapidjson::Value& value, const std::string& path);

    bool has(const char* key) const;
    /// The raw value, or nullptr when absent or null.
    const rapidjson::Value* find(const char* key) const;

    std::string string(const char* key) const;
    std::optional<std::string> optString(const char* key) const;
    int64_t integer(const char* key) const;
    std::optional<int64_t> optInteger(const char* key) const;
    bool boolean(const char* key) const;
    bool optBoolean(const char* key, bool defaultValue) const;
    /// A time MediaWiki's converter accepts (14-digit, Unix seconds as number or digits, ISO 8601),
    /// returned as "YYYY-MM-DDTHH:MM:SSZ".
    std::string dt(const char* key) const;
    std::optional<std::string> optDt(const char* key) const;
    std::vector<std::string> strings(const char* key) const;
    std::vector<std::string> optStrings(const char* key) const;
    PayloadReader object(const char* key) const;
    std::optional<PayloadReader> optObject(const char* key) const;
    /// Each element of an array of objects; empty when absent.
    std::vector<PayloadReader> optObjects(const char* key) const;

    const rapidjson::Value& value() const { return _object; }
    const std::string& path() const { return _path; }
    std::string fieldPath(const char* key) const;
    [[noreturn]] void fail(const char* key, const std::string& problem) const;

    /// Checks a string value that came from elsewhere (array items, map values) for UTF-8.
    static std::string checkedString(const rapidjson::Value& v, const std::string& path);
    static std::optional<std::string> convertDt(const rapidjson::Value& v);

private:
    const rapidjson::Value& _object;
    std::string _path;
};

} // namespace pagechange
} // namespace eventbus

#endif
