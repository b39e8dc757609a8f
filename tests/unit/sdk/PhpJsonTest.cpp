#include "eventbus/PhpJson.h"

#include <cppunit/extensions/HelperMacros.h>

#include <rapidjson/document.h>

#include <string>

using eventbus::json::EncodeError;

namespace {

std::string doubleText(double d) {
    std::string out;
    eventbus::json::appendDouble(out, d);
    return out;
}

std::string stringText(std::string_view s) {
    std::string out;
    eventbus::json::appendString(out, s);
    return out;
}

/// Parses as the SDK documents it: default flags, so invalid UTF-8 survives.
rapidjson::Document parse(std::string_view text) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    CPPUNIT_ASSERT_MESSAGE(std::string("fixture parses: ") + std::string(text), !d.HasParseError());
    return d;
}

std::string reencode(std::string_view text) { return eventbus::json::encode(parse(text)); }

} // namespace

class PhpJsonTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PhpJsonTest);
    CPPUNIT_TEST(testCompactAndKeyOrder);
    CPPUNIT_TEST(testSlashAndHtmlCharactersRaw);
    CPPUNIT_TEST(testNonAsciiRawExceptLineSeparators);
    CPPUNIT_TEST(testShortEscapes);
    CPPUNIT_TEST(testControlBytesLowercaseHex);
    CPPUNIT_TEST(testDelRaw);
    CPPUNIT_TEST(testEmbeddedNul);
    CPPUNIT_TEST(testInvalidUtf8Fails);
    CPPUNIT_TEST(testInvalidUtf8LeavesOutputUntouched);
    CPPUNIT_TEST(testUtf8Validation);
    CPPUNIT_TEST(testLongRunsAndEscapesAtEveryOffset);
    CPPUNIT_TEST(testInvalidUtf8InTheMiddleOfARun);
    CPPUNIT_TEST(testIntegers);
    CPPUNIT_TEST(testFloatsDropZeroFraction);
    CPPUNIT_TEST(testFloatsExponentForm);
    CPPUNIT_TEST(testFloatsShortestRoundTrip);
    CPPUNIT_TEST(testNonFiniteFails);
    CPPUNIT_TEST(testEmptyContainers);
    CPPUNIT_TEST(testPhpRoundTripLists);
    CPPUNIT_TEST(testBase64);
    CPPUNIT_TEST(testReplaceBinaryValue);
    CPPUNIT_TEST(testReplaceBinaryValuesRecursive);
    CPPUNIT_TEST(testRemoveNulls);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCompactAndKeyOrder() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"z":1,"a":[true,false,null],"m":{"y":"x","b":2}})"),
                             reencode(R"( { "z" : 1 , "a" : [ true , false , null ] , "m" : { "y" : "x" , "b" : 2 } } )"));
    }

    void testSlashAndHtmlCharactersRaw() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"("http://a/b?c=<d>&e='f'")"), stringText("http://a/b?c=<d>&e='f'"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"u":"/wiki/Main_Page"})"), reencode(R"({"u":"\/wiki\/Main_Page"})"));
    }

    void testNonAsciiRawExceptLineSeparators() {
        CPPUNIT_ASSERT_EQUAL(std::string("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""),
                             stringText("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"("a\u2028b\u2029c")"), stringText("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c"));
        CPPUNIT_ASSERT_EQUAL(std::string("\"\xC3\xA9\""), reencode(R"("\u00e9")"));
        // The neighbours of U+2028/9 stay raw.
        CPPUNIT_ASSERT_EQUAL(std::string("\"\xE2\x80\xA7\xE2\x80\xAA\""), stringText("\xE2\x80\xA7\xE2\x80\xAA"));
    }

    void testShortEscapes() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"("\"\\\b\f\n\r\t")"), stringText("\"\\\b\f\n\r\t"));
    }

    void testControlBytesLowercaseHex() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"("\u0001\u001f\u000b\u001b")"), stringText("\x01\x1f\x0b\x1b"));
    }

    void testDelRaw() { CPPUNIT_ASSERT_EQUAL(std::string("\"a\x7F" "b\""), stringText("a\x7F" "b")); }

    void testEmbeddedNul() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"("a\u0000b")"), stringText(std::string_view("a\0b", 3)));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["a\u0000b"])"), reencode(R"(["a\u0000b"])"));
    }

    void testInvalidUtf8Fails() {
        CPPUNIT_ASSERT_THROW(stringText("\xFF"), EncodeError);
        CPPUNIT_ASSERT_THROW(stringText("\xC3"), EncodeError);           // truncated
        CPPUNIT_ASSERT_THROW(stringText("\xC0\xAF"), EncodeError);       // overlong '/'
        CPPUNIT_ASSERT_THROW(stringText("\xED\xA0\x80"), EncodeError);   // surrogate
        CPPUNIT_ASSERT_THROW(stringText("\xF4\x90\x80\x80"), EncodeError); // above U+10FFFF
        // Deep inside a document, and in a key: the whole encoding fails.
        auto doc = parse("{\"a\":{\"b\":[1,\"ok\",\"\xFF\xFF\"]}}");
        CPPUNIT_ASSERT_THROW(eventbus::json::encode(doc), EncodeError);
        auto keyDoc = parse("{\"\xFE\":1}");
        CPPUNIT_ASSERT_THROW(eventbus::json::encode(keyDoc), EncodeError);
    }

    void testInvalidUtf8LeavesOutputUntouched() {
        std::string out = "prefix";
        auto doc = parse("[\"fine\",\"\xFF\"]");
        CPPUNIT_ASSERT_THROW(eventbus::json::encodeTo(out, doc), EncodeError);
        CPPUNIT_ASSERT_EQUAL(std::string("prefix"), out);
        CPPUNIT_ASSERT_THROW(eventbus::json::appendString(out, "ab\x80"), EncodeError);
        CPPUNIT_ASSERT_EQUAL(std::string("prefix"), out);
    }

    void testUtf8Validation() {
        using eventbus::json::isValidUtf8;
        CPPUNIT_ASSERT(isValidUtf8(""));
        CPPUNIT_ASSERT(isValidUtf8("plain"));
        CPPUNIT_ASSERT(isValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
        CPPUNIT_ASSERT(isValidUtf8("\xEF\xBF\xBF"));      // U+FFFF
        CPPUNIT_ASSERT(!isValidUtf8("\xE0\x80\x80"));     // overlong
        CPPUNIT_ASSERT(!isValidUtf8("\xF0\x80\x80\x80")); // overlong
        CPPUNIT_ASSERT(!isValidUtf8("\xF5\x80\x80\x80"));
        CPPUNIT_ASSERT(!isValidUtf8("\x80"));
        CPPUNIT_ASSERT(!isValidUtf8("\xE2\x82"));
    }

    // appendString copies runs of plain bytes 8 at a time, and encodesVerbatim tests them so: every
    // kind of byte needing attention must be found wherever it falls in or across those words.
    void testLongRunsAndEscapesAtEveryOffset() {
        const struct {
            std::string raw;
            std::string encoded;
        } specials[] = {
            {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\t", "\\t"}, {std::string(1, '\0'), "\\u0000"},
            {"\x1f", "\\u001f"}, {"\xE2\x80\xA8", "\\u2028"}, {"\xE2\x80\xA9", "\\u2029"},
            {"\xC3\xA9", "\xC3\xA9"}, {"\xE2\x80\xAA", "\xE2\x80\xAA"}, {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
            {"\x7F", "\x7F"}, {" ", " "},
        };
        for (const auto& special : specials) {
            for (size_t before = 0; before <= 24; ++before) {
                for (size_t after : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(9), size_t(40)}) {
                    const std::string raw = std::string(before, 'a') + special.raw + std::string(after, 'b');
                    const std::string expected =
                        '"' + std::string(before, 'a') + special.encoded + std::string(after, 'b') + '"';
                    CPPUNIT_ASSERT_EQUAL(expected, stringText(raw));
                    CPPUNIT_ASSERT(eventbus::json::isValidUtf8(raw));
                    CPPUNIT_ASSERT_EQUAL(special.raw == special.encoded, eventbus::json::encodesVerbatim(raw));
                }
            }
        }
        for (size_t length = 0; length <= 24; ++length)
            CPPUNIT_ASSERT(eventbus::json::encodesVerbatim(std::string(length, '/')));
        const std::string longRun(5000, 'x');
        CPPUNIT_ASSERT_EQUAL('"' + longRun + "\\n" + longRun + '"', stringText(longRun + "\n" + longRun));
    }

    void testInvalidUtf8InTheMiddleOfARun() {
        const std::string invalid[] = {"\xFF", "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x80", "\xF4\x90\x80\x80"};
        for (const auto& bad : invalid) {
            for (size_t before = 0; before <= 24; ++before) {
                for (size_t after : {size_t(0), size_t(3), size_t(8), size_t(30)}) {
                    const std::string raw = std::string(before, 'a') + bad + std::string(after, 'b');
                    std::string out = "keep";
                    CPPUNIT_ASSERT_THROW(eventbus::json::appendString(out, raw), EncodeError);
                    CPPUNIT_ASSERT_EQUAL(std::string("keep"), out);
                    CPPUNIT_ASSERT(!eventbus::json::isValidUtf8(raw));
                    CPPUNIT_ASSERT(!eventbus::json::encodesVerbatim(raw));
                }
            }
        }
    }

    void testIntegers() {
        CPPUNIT_ASSERT_EQUAL(std::string("[0,-1,9223372036854775807,-9223372036854775808,18446744073709551615]"),
                             reencode("[0,-1,9223372036854775807,-9223372036854775808,18446744073709551615]"));
    }

    void testFloatsDropZeroFraction() {
        CPPUNIT_ASSERT_EQUAL(std::string("10"), doubleText(10.0));
        CPPUNIT_ASSERT_EQUAL(std::string("-1"), doubleText(-1.0));
        CPPUNIT_ASSERT_EQUAL(std::string("-0"), doubleText(-0.0));
        CPPUNIT_ASSERT_EQUAL(std::string("0"), doubleText(0.0));
        CPPUNIT_ASSERT_EQUAL(std::string("10000000000000000"), doubleText(1e16));
        CPPUNIT_ASSERT_EQUAL(std::string("[10,1.5]"), reencode("[10.0,1.5]"));
    }

    void testFloatsExponentForm() {
        CPPUNIT_ASSERT_EQUAL(std::string("1.0e+25"), doubleText(1e25));
        CPPUNIT_ASSERT_EQUAL(std::string("1.0e-5"), doubleText(1e-5));
        CPPUNIT_ASSERT_EQUAL(std::string("1.5e-5"), doubleText(1.5e-5));
        CPPUNIT_ASSERT_EQUAL(std::string("1.2345678901234568e+17"), doubleText(1.2345678901234568e17));
        CPPUNIT_ASSERT_EQUAL(std::string("0.0001"), doubleText(0.0001));
        CPPUNIT_ASSERT_EQUAL(std::string("1.0e+17"), doubleText(1e17));
        // Shortest digits "9999999999999998" padded to the decimal point, as PHP (and JavaScript) print it.
        CPPUNIT_ASSERT_EQUAL(std::string("99999999999999980"), doubleText(99999999999999984.0));
        CPPUNIT_ASSERT_EQUAL(std::string("-2.5e-7"), doubleText(-2.5e-7));
        CPPUNIT_ASSERT_EQUAL(std::string("1.0e+308"), doubleText(1e308));
        CPPUNIT_ASSERT_EQUAL(std::string("5.0e-324"), doubleText(4.9406564584124654e-324)); // shortest: one digit
    }

    void testFloatsShortestRoundTrip() {
        CPPUNIT_ASSERT_EQUAL(std::string("0.1"), doubleText(0.1));
        CPPUNIT_ASSERT_EQUAL(std::string("0.30000000000000004"), doubleText(0.1 + 0.2));
        CPPUNIT_ASSERT_EQUAL(std::string("3.14159"), doubleText(3.14159));
        CPPUNIT_ASSERT_EQUAL(std::string("123.456"), doubleText(123.456));
        CPPUNIT_ASSERT_EQUAL(std::string("0.00012"), doubleText(0.00012));
        CPPUNIT_ASSERT_EQUAL(std::string("1234567.5"), doubleText(1234567.5));
    }

    void testNonFiniteFails() {
        CPPUNIT_ASSERT_THROW(doubleText(std::numeric_limits<double>::infinity()), EncodeError);
        CPPUNIT_ASSERT_THROW(doubleText(std::numeric_limits<double>::quiet_NaN()), EncodeError);
    }

    void testEmptyContainers() {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":{},"b":[]})"), reencode(R"({"a":{},"b":[]})"));
    }

    void testPhpRoundTripLists() {
        using eventbus::json::encodeAsPhpRoundTrip;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":[],"b":[]})"), encodeAsPhpRoundTrip(parse(R"({"a":{},"b":[]})")));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["x","y"])"), encodeAsPhpRoundTrip(parse(R"({"0":"x","1":"y"})")));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"1":"x"})"), encodeAsPhpRoundTrip(parse(R"({"1":"x"})")));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"1":"x","0":"y"})"), encodeAsPhpRoundTrip(parse(R"({"1":"x","0":"y"})")));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"p":[],"n":1})"), encodeAsPhpRoundTrip(parse(R"({"p":{},"n":1.0})")));
    }

    void testBase64() {
        using eventbus::json::base64;
        CPPUNIT_ASSERT_EQUAL(std::string(""), base64(""));
        CPPUNIT_ASSERT_EQUAL(std::string("Zg=="), base64("f"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm8="), base64("fo"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9v"), base64("foo"));
        CPPUNIT_ASSERT_EQUAL(std::string("Zm9vYmFy"), base64("foobar"));
        CPPUNIT_ASSERT_EQUAL(std::string("+/8="), base64("\xFB\xFF"));
    }

    void testReplaceBinaryValue() {
        using eventbus::json::replaceBinaryValue;
        CPPUNIT_ASSERT_EQUAL(std::string("data:application/octet-stream;base64,/////w=="),
                             replaceBinaryValue("\xFF\xFF\xFF\xFF"));
        CPPUNIT_ASSERT_EQUAL(std::string("caf\xC3\xA9"), replaceBinaryValue("caf\xC3\xA9"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), replaceBinaryValue(""));
    }

    void testReplaceBinaryValuesRecursive() {
        auto doc = parse("{\"\xFF\":\"\xFF\xFF\xFF\xFF\",\"n\":{\"l\":[\"ok\",\"\xFF\xFF\xFF\xFF\",3]},\"s\":\"x\"}");
        eventbus::json::replaceBinaryValuesRecursive(doc, doc.GetAllocator());
        const std::string uri = "data:application/octet-stream;base64,/////w==";
        // Keys are not touched, so the key still makes encoding fail; check the leaves directly.
        CPPUNIT_ASSERT_EQUAL(uri, std::string(doc.MemberBegin()->value.GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("\xFF"), std::string(doc.MemberBegin()->name.GetString()));
        CPPUNIT_ASSERT_EQUAL(uri, std::string(doc["n"]["l"][1].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), std::string(doc["n"]["l"][0].GetString()));
        CPPUNIT_ASSERT_EQUAL(3, doc["n"]["l"][2].GetInt());
        doc.EraseMember(doc.MemberBegin());
        CPPUNIT_ASSERT_EQUAL("{\"n\":{\"l\":[\"ok\",\"" + uri + "\",3]},\"s\":\"x\"}", eventbus::json::encode(doc));
    }

    void testRemoveNulls() {
        auto doc = parse(R"({"a":null,"b":1,"c":{"d":null,"e":[null,{"f":null,"g":2}]},"h":"x"})");
        eventbus::json::removeNulls(doc);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"b":1,"c":{"e":[null,{"g":2}]},"h":"x"})"), eventbus::json::encode(doc));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PhpJsonTest);
