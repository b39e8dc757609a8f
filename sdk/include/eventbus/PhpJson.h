// JSON as MediaWiki core's FormatJson writes it (spec eventbus-behaviour.md section 0.1), over
// RapidJSON values. Every byte the PHP extension signs, sends or compares goes through this
// encoding, so plugins that must be byte-compatible with it use these functions, not a generic
// JSON writer.
//
// Parse input with rapidjson's default flags (no kParseValidateEncodingFlag): binary strings must
// survive parsing so that replaceBinaryValue can turn them into data: URIs, as the PHP code does.
#ifndef EVENTBUS_PHPJSON_H
#define EVENTBUS_PHPJSON_H

#include <rapidjson/document.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace eventbus {
namespace json {

/// Thrown when a value cannot be encoded (invalid UTF-8 anywhere, as PHP's json_encode fails).
class EncodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Encodes v compactly with FormatJson's "all OK" escaping: "/" and non-ASCII raw, U+2028/U+2029
/// escaped, control bytes as \u00xx (lowercase hex), floats in PHP's shortest round-trip form
/// (10.0 -> 10, 1e25 -> 1.0e+25). Key order is kept. Throws EncodeError on invalid UTF-8.
std::string encode(const rapidjson::Value& v);
/// Appends the encoding of v to out (same rules, same error; out is unchanged on error).
void encodeTo(std::string& out, const rapidjson::Value& v);
/// Encodes v as PHP re-encodes it after json_decode($text, true): an object whose keys are exactly
/// "0".."n-1" in order, and so also {}, becomes a list ([] for {}). encode() writes objects as
/// objects; this variant is for byte-comparisons with PHP, such as the job signature check (section 7).
std::string encodeAsPhpRoundTrip(const rapidjson::Value& v);
/// Appends a JSON string literal for s (with quotes) under the same rules. Throws on invalid UTF-8.
void appendString(std::string& out, std::string_view s);
/// Appends a double as PHP writes it with serialize_precision = -1.
void appendDouble(std::string& out, double d);
/// True when appendString writes s between its quotes unchanged (no quote, backslash, control
/// character, invalid UTF-8, U+2028 or U+2029): a caller holding a JSON literal of s without
/// escapes can then copy the literal instead of encoding s again.
bool encodesVerbatim(std::string_view s);

/// True when the JSON text nests arrays and objects deeper than limit. Check it before a DOM
/// parse of outside bytes: RapidJSON's parser and the tree walks here recurse once per level, so
/// a body of a million "[" would exhaust the calling thread's stack.
bool nestsDeeperThan(std::string_view text, int limit);

/// The nesting limit the shipped decoders use: MediaWiki's payloads stay far below it.
constexpr int kMaxNesting = 64;

/// True when s is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view s);

/// "data:application/octet-stream;base64,<base64(s)>" when s is not valid UTF-8, else s unchanged
/// (EventBus::replaceBinaryValues, spec section 1.10).
std::string replaceBinaryValue(std::string_view s);
/// Applies replaceBinaryValue to every string leaf of v, in nested objects and arrays; keys untouched.
void replaceBinaryValuesRecursive(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc);

/// Removes every member whose value is null, at all depths (array elements that are null stay:
/// the RC formatter filters maps, and JSON lists in an RC change only hold scalars).
void removeNulls(rapidjson::Value& v);

/// Standard base64 with padding.
std::string base64(std::string_view bytes);

} // namespace json
} // namespace eventbus

#endif
