// The exec plugin's line decoder: complete events pass byte for byte, missing meta.id/meta.dt are
// added, and every malformed line is refused with its reason.
#include "ExecLineDecoder.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace eventbus;

class ExecLineDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ExecLineDecoderTest);
    CPPUNIT_TEST(testCompleteEventKeepsItsBytes);
    CPPUNIT_TEST(testMissingIdAndDtAreAdded);
    CPPUNIT_TEST(testMalformedLinesAreRefusedWithReason);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCompleteEventKeepsItsBytes()
    {
        std::string line = R"({"$schema":"/test/event/1.0.0","meta":{"stream":"s","id":"x-1","dt":"2026-01-01T00:00:00Z"},"n":1.0})";
        auto r = ExecLineDecoder::decode(line);
        CPPUNIT_ASSERT(r.ok);
        CPPUNIT_ASSERT_EQUAL(line, r.json);
        CPPUNIT_ASSERT_EQUAL(std::string("s"), r.stream);
        CPPUNIT_ASSERT_EQUAL(std::string("x-1"), r.id);
    }

    void testMissingIdAndDtAreAdded()
    {
        auto r = ExecLineDecoder::decode(R"({"$schema":"/test/event/1.0.0","meta":{"stream":"s"}})");
        CPPUNIT_ASSERT(r.ok);
        CPPUNIT_ASSERT_EQUAL(size_t(36), r.id.size());
        CPPUNIT_ASSERT(r.json.find("\"id\":\"" + r.id + "\"") != std::string::npos);
        CPPUNIT_ASSERT(r.json.find("\"dt\":\"") != std::string::npos);
    }

    void testMalformedLinesAreRefusedWithReason()
    {
        struct Case {
            std::string line;
            std::string reason;
        };
        for (const auto& c : std::vector<Case>{{"not json", "malformed_json"},
                                               {"{\"a\":1} trailing", "malformed_json"},
                                               {"[1,2]", "not_an_object"},
                                               {R"({"meta":{"stream":"s"}})", "missing_schema"},
                                               {R"({"$schema":"/x/1.0.0"})", "missing_stream"},
                                               {R"({"$schema":"/x/1.0.0","meta":{"stream":1}})", "missing_stream"},
                                               {"{\"$schema\":\"/x/1.0.0\",\"meta\":{\"stream\":\"s\"},\"b\":\"\xff\"}", "invalid_utf8"}}) {
            auto r = ExecLineDecoder::decode(c.line);
            CPPUNIT_ASSERT_MESSAGE(c.line, !r.ok);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c.line, c.reason, r.reason);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ExecLineDecoderTest);
