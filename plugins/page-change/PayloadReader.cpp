#include "PayloadReader.h"

#include "InvalidPayload.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"

namespace eventbus {
namespace pagechange {

PayloadReader::PayloadReader(const rapidjson::Value& object, std::string path)
    : _object(object), _path(std::move(path))
{
}

PayloadReader PayloadReader::objectAt(const rapidjson::Value& value, const std::string& path)
{
    if (!value.IsObject()) throw InvalidPayload(path, "expected an object");
    return PayloadReader(value, path);
}

std::string PayloadReader::fieldPath(const char* key) const
{
    return _path.empty() ? std::string(key) : _path + "." + key;
}

void PayloadReader::fail(const char* key, const std::string& problem) const
{
    throw InvalidPayload(fieldPath(key), problem);
}

const rapidjson::Value* PayloadReader::find(const char* key) const
{
    auto it = _object.FindMember(key);
    if (it == _object.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
}

bool PayloadReader::has(const char* key) const
{
    return find(key) != nullptr;
}

std::string PayloadReader::checkedString(const rapidjson::Value& v, const std::string& path)
{
    if (!v.IsString()) throw InvalidPayload(path, "expected a string");
    std::string s(v.GetString(), v.GetStringLength());
    if (!json::isValidUtf8(s)) throw InvalidPayload(path, "invalid UTF-8");
    return s;
}

std::string PayloadReader::string(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) fail(key, "missing");
    return checkedString(*v, fieldPath(key));
}

std::optional<std::string> PayloadReader::optString(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) return std::nullopt;
    return checkedString(*v, fieldPath(key));
}

int64_t PayloadReader::integer(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) fail(key, "missing");
    if (!v->IsInt64()) fail(key, "expected an integer");
    return v->GetInt64();
}

std::optional<int64_t> PayloadReader::optInteger(const char* key) const
{
    if (!has(key)) return std::nullopt;
    return integer(key);
}

bool PayloadReader::boolean(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) fail(key, "missing");
    if (!v->IsBool()) fail(key, "expected true or false");
    return v->GetBool();
}

bool PayloadReader::optBoolean(const char* key, bool defaultValue) const
{
    return has(key) ? boolean(key) : defaultValue;
}

std::optional<std::string> PayloadReader::convertDt(const rapidjson::Value& v)
{
    if (v.IsInt64()) {
        if (v.GetInt64() < 0) return std::nullopt;
        return toDt(std::to_string(v.GetInt64()));
    }
    if (!v.IsString()) return std::nullopt;
    return toDt(std::string_view(v.GetString(), v.GetStringLength()));
}

std::string PayloadReader::dt(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) fail(key, "missing");
    std::optional<std::string> converted = convertDt(*v);
    if (!converted) fail(key, "not a timestamp (expected YYYYMMDDHHMMSS, Unix seconds or ISO 8601)");
    return *converted;
}

std::optional<std::string> PayloadReader::optDt(const char* key) const
{
    if (!has(key)) return std::nullopt;
    return dt(key);
}

std::vector<std::string> PayloadReader::strings(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) fail(key, "missing");
    if (!v->IsArray()) fail(key, "expected a list of strings");
    std::vector<std::string> out;
    out.reserve(v->Size());
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i)
        out.push_back(checkedString((*v)[i], fieldPath(key) + "[" + std::to_string(i) + "]"));
    return out;
}

std::vector<std::string> PayloadReader::optStrings(const char* key) const
{
    if (!has(key)) return {};
    return strings(key);
}

PayloadReader PayloadReader::object(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) fail(key, "missing");
    return objectAt(*v, fieldPath(key));
}

std::optional<PayloadReader> PayloadReader::optObject(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) return std::nullopt;
    return objectAt(*v, fieldPath(key));
}

std::vector<PayloadReader> PayloadReader::optObjects(const char* key) const
{
    const rapidjson::Value* v = find(key);
    if (!v) return {};
    if (!v->IsArray()) fail(key, "expected a list of objects");
    std::vector<PayloadReader> out;
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i)
        out.push_back(objectAt((*v)[i], fieldPath(key) + "[" + std::to_string(i) + "]"));
    return out;
}

} // namespace pagechange
} // namespace eventbus
