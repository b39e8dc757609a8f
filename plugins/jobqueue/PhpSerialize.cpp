#include "PhpSerialize.h"

#include "eventbus/PhpJson.h"

#include <charconv>
#include <cstdint>

namespace eventbus {
namespace jobqueue {

namespace {

void appendString(std::string& out, std::string_view s) {
    out += "s:";
    out += std::to_string(s.size());
    out += ":\"";
    out.append(s.data(), s.size());
    out += "\";";
}

} // namespace

std::string PhpSerialize::serialize(const rapidjson::Value& value) {
    std::string out;
    appendTo(out, value);
    return out;
}

void PhpSerialize::appendTo(std::string& out, const rapidjson::Value& value) {
    switch (value.GetType()) {
    case rapidjson::kNullType:
        out += "N;";
        break;
    case rapidjson::kFalseType:
        out += "b:0;";
        break;
    case rapidjson::kTrueType:
        out += "b:1;";
        break;
    case rapidjson::kNumberType:
        if (value.IsInt64()) {
            out += "i:";
            out += std::to_string(value.GetInt64());
            out += ';';
        } else {
            // json_decode gives a float for integers beyond PHP_INT_MAX, as for any fraction.
            std::string d;
            json::appendDouble(d, value.GetDouble());
            for (char& c : d)
                if (c == 'e') c = 'E';
            out += "d:";
            out += d;
            out += ';';
        }
        break;
    case rapidjson::kStringType:
        appendString(out, std::string_view(value.GetString(), value.GetStringLength()));
        break;
    case rapidjson::kArrayType: {
        out += "a:";
        out += std::to_string(value.Size());
        out += ":{";
        int64_t index = 0;
        for (const auto& element : value.GetArray()) {
            out += "i:";
            out += std::to_string(index++);
            out += ';';
            appendTo(out, element);
        }
        out += '}';
        break;
    }
    case rapidjson::kObjectType:
        out += "a:";
        out += std::to_string(value.MemberCount());
        out += ":{";
        for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
            appendKey(out, std::string_view(m->name.GetString(), m->name.GetStringLength()));
            appendTo(out, m->value);
        }
        out += '}';
        break;
    }
}

void PhpSerialize::appendKey(std::string& out, std::string_view key) {
    if (isIntegerKey(key)) {
        out += "i:";
        out.append(key.data(), key.size());
        out += ';';
    } else {
        appendString(out, key);
    }
}

bool PhpSerialize::isIntegerKey(std::string_view key) {
    std::string_view digits = key;
    if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
    if (digits.empty() || digits.size() > 19) return false;
    for (char c : digits)
        if (c < '0' || c > '9') return false;
    if (digits.front() == '0' && (digits.size() > 1 || key.size() > 1)) return false;
    int64_t parsed = 0;
    auto r = std::from_chars(key.data(), key.data() + key.size(), parsed);
    return r.ec == std::errc() && r.ptr == key.data() + key.size();
}

} // namespace jobqueue
} // namespace eventbus
