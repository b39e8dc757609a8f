// Appends members to a RapidJSON object in a fixed order. The serializers build every event field
// by field because key order is part of the output contract (spec section 0.1), and the distinct
// method names avoid the const char* -> bool overload trap of a single "add".
#ifndef EVENTBUS_PAGECHANGE_JSONOBJECT_H
#define EVENTBUS_PAGECHANGE_JSONOBJECT_H

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eventbus {
namespace pagechange {

class JsonObject {
public:
    using Allocator = rapidjson::Document::AllocatorType;

    JsonObject(rapidjson::Value& object, Allocator& alloc) : _object(object), _alloc(alloc)
    {
        if (!_object.IsObject()) _object.SetObject();
    }

    JsonObject& str(const char* key, std::string_view s)
    {
        return value(key, rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), _alloc));
    }
    JsonObject& integer(const char* key, int64_t n) { return value(key, rapidjson::Value(n)); }
    JsonObject& boolean(const char* key, bool b) { return value(key, rapidjson::Value(b)); }
    JsonObject& strings(const char* key, const std::vector<std::string>& list)
    {
        rapidjson::Value array(rapidjson::kArrayType);
        for (const auto& s : list)
            array.PushBack(rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), _alloc), _alloc);
        return value(key, std::move(array));
    }
    /// Key is a string literal (not copied).
    JsonObject& value(const char* key, rapidjson::Value&& v)
    {
        _object.AddMember(rapidjson::StringRef(key), v, _alloc);
        return *this;
    }
    /// Key built at run time (slot roles, property names): copied.
    JsonObject& valueAt(std::string_view key, rapidjson::Value&& v)
    {
        rapidjson::Value k(key.data(), static_cast<rapidjson::SizeType>(key.size()), _alloc);
        _object.AddMember(k, v, _alloc);
        return *this;
    }
    /// Replaces the value of an existing key in place (keeping its position) or appends it.
    JsonObject& replace(const char* key, rapidjson::Value&& v)
    {
        auto it = _object.FindMember(key);
        if (it != _object.MemberEnd()) {
            it->value = v;
            return *this;
        }
        return value(key, std::move(v));
    }

private:
    rapidjson::Value& _object;
    Allocator& _alloc;
};

} // namespace pagechange
} // namespace eventbus

#endif
