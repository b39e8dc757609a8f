#include "HelloDecoder.h"

#include <cppunit/extensions/HelperMacros.h>

#include <rapidjson/document.h>

#include <string>

namespace {

hello::HelloDecoder makeDecoder(const std::string& prefix = "test.") {
    return hello::HelloDecoder(prefix, [](const std::string& name) {
        return name == "test.renamed" ? std::string("test.actual") : name;
    });
}

} // namespace

class HelloDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HelloDecoderTest);
    CPPUNIT_TEST(testLineBecomesEvent);
    CPPUNIT_TEST(testTrailingNewlineIgnored);
    CPPUNIT_TEST(testStreamMapApplied);
    CPPUNIT_TEST(testRejections);
    CPPUNIT_TEST(testEmptyPrefixAllowsAnyStream);
    CPPUNIT_TEST_SUITE_END();

public:
    void testLineBecomesEvent() {
        const auto r = makeDecoder().decode("test.event hello \"world\" \xC3\xA9/", "10.0.0.1:5000");
        CPPUNIT_ASSERT(r.ok);
        CPPUNIT_ASSERT_EQUAL(std::string("test.event"), r.event.stream);
        rapidjson::Document d;
        d.Parse(r.event.json.c_str());
        CPPUNIT_ASSERT(!d.HasParseError());
        CPPUNIT_ASSERT_EQUAL(std::string("/test/event/1.0.0"), std::string(d["$schema"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("test.event"), std::string(d["meta"]["stream"].GetString()));
        CPPUNIT_ASSERT_EQUAL(r.event.id, std::string(d["meta"]["id"].GetString()));
        CPPUNIT_ASSERT_EQUAL(size_t(36), r.event.id.size());
        CPPUNIT_ASSERT_EQUAL(size_t(20), std::string(d["meta"]["dt"].GetString()).size());
        CPPUNIT_ASSERT_EQUAL(std::string("udp://10.0.0.1:5000"), std::string(d["meta"]["uri"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("hello \"world\" \xC3\xA9/"), std::string(d["test"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.1:5000"), std::string(d["test_map"]["peer"].GetString()));
        // PHP-compatible encoding: '/' and non-ASCII stay raw.
        CPPUNIT_ASSERT(r.event.json.find("\"test\":\"hello \\\"world\\\" \xC3\xA9/\"") != std::string::npos);
    }

    void testTrailingNewlineIgnored() {
        const auto r = makeDecoder().decode("test.event hi\r\n", "p");
        CPPUNIT_ASSERT(r.ok);
        CPPUNIT_ASSERT(r.event.json.find("\"test\":\"hi\"") != std::string::npos);
    }

    void testStreamMapApplied() {
        const auto r = makeDecoder().decode("test.renamed x", "p");
        CPPUNIT_ASSERT(r.ok);
        CPPUNIT_ASSERT_EQUAL(std::string("test.actual"), r.event.stream);
        CPPUNIT_ASSERT(r.event.json.find("\"stream\":\"test.actual\"") != std::string::npos);
    }

    void testRejections() {
        const auto decoder = makeDecoder();
        CPPUNIT_ASSERT_EQUAL(std::string("empty"), decoder.decode("", "p").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("empty"), decoder.decode("\n", "p").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("missing_text"), decoder.decode("test.event", "p").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("missing_text"), decoder.decode("test.event ", "p").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("bad_stream"), decoder.decode("te$t x", "p").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("bad_stream"), decoder.decode(" x", "p").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("stream_not_allowed"), decoder.decode("prod.event x", "p").reason);
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_utf8"), decoder.decode("test.event \xFF\xFE", "p").reason);
        CPPUNIT_ASSERT(!decoder.decode("test.event \xFF", "p").message.empty());
    }

    void testEmptyPrefixAllowsAnyStream() {
        CPPUNIT_ASSERT(makeDecoder("").decode("prod.event x", "p").ok);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HelloDecoderTest);
