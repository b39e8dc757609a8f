#include "RelayDecoder.h"

#include <rapidjson/document.h>

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <utility>
#include <vector>

using eventbus::relay::RelayDecoder;
using eventbus::relay::RelayResult;

namespace {

const std::string kDt = "2026-11-28T16:00:00Z";

std::string fixedId() { return "00000000-0000-4000-8000-000000000001"; }

RelayResult decode(std::string_view body) { return RelayDecoder::decode(body, kDt, &fixedId); }

/// True when the body is accepted. Asserts that every walk (the default, the recursive reader,
/// the iterative reference, and simdjson's validated path when it takes the body) gives the same
/// events, or the same rejection.
bool sameFromEveryWalk(const std::string& body) {
    const RelayResult reference = RelayDecoder::decode(body, kDt, &fixedId, RelayDecoder::Walk::Iterative);
    for (const RelayDecoder::Walk walk :
         {RelayDecoder::Walk::Auto, RelayDecoder::Walk::Recursive, RelayDecoder::Walk::Validated}) {
        const RelayResult r = RelayDecoder::decode(body, kDt, &fixedId, walk);
        if (walk == RelayDecoder::Walk::Validated && r.reason == "not_validated")
            continue;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, reference.error, r.error);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, reference.reason, r.reason);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(body, reference.events.size(), r.events.size());
        for (size_t i = 0; i < r.events.size(); ++i) {
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::string(reference.events[i].json), std::string(r.events[i].json));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::string(reference.events[i].stream), std::string(r.events[i].stream));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::string(reference.events[i].id), std::string(r.events[i].id));
        }
    }
    return reference.ok();
}

bool isJson(std::string_view s) {
    rapidjson::Document d;
    d.Parse(s.data(), s.size());
    return !d.HasParseError() && d.IsObject();
}

} // namespace

class RelayDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RelayDecoderTest);
    CPPUNIT_TEST(testBatchElementsAreByteIdenticalSlices);
    CPPUNIT_TEST(testSingleObjectBody);
    CPPUNIT_TEST(testMetaDtAndIdInsertion);
    CPPUNIT_TEST(testOnlyTheEventsOwnMetaCounts);
    CPPUNIT_TEST(testViewsSurviveMovingTheResult);
    CPPUNIT_TEST(testBadBodies);
    CPPUNIT_TEST(testDeepNestingIsRejectedWithoutCrashing);
    CPPUNIT_TEST(testBothReadersAgree);
    CPPUNIT_TEST(testEventBoundariesAtEveryOffset);
    CPPUNIT_TEST(testNumbersTheValidatedPathLeavesToRapidJson);
    CPPUNIT_TEST(testInvalidUtf8AnywhereIsRejected);
    CPPUNIT_TEST(testNonAsciiAtEveryOffsetIsKept);
    CPPUNIT_TEST(testNulOutsideTheDocumentIsRejected);
    CPPUNIT_TEST(testRawControlBytesAtEveryOffsetAreRejected);
    CPPUNIT_TEST(testStringsOfEveryLengthAndAlignment);
    CPPUNIT_TEST(testHasty);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBatchElementsAreByteIdenticalSlices() {
        const std::string e0 = R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":"a-1","dt":"2024-01-01T00:00:00Z"},"n":1.0E+2,"s":"\u00e9\/<&>","big":12345678901234567890123})";
        const std::string e1 = "{ \"meta\" : { \"dt\" : \"2024-01-01T00:00:00.123Z\" , \"id\" : \"a-2\", \"stream\" : \"a\\u002eb\" } ,\n \"x\" : [ ] }";
        const std::string e2 = "{\"meta\":{\"stream\":\"s\",\"id\":\"a-3\",\"dt\":\"x\"},\"t\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\",\"z\":null,\"f\":false,\"o\":{}}";
        const std::string body = " [\n" + e0 + " ,\t" + e1 + "," + e2 + "]\n";
        const auto r = decode(body);
        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(3), r.events.size());
        CPPUNIT_ASSERT(r.rewritten.empty());
        const std::string expected[] = {e0, e1, e2};
        const char* streams[] = {"test.event", "a.b", "s"};
        for (size_t i = 0; i < 3; ++i) {
            CPPUNIT_ASSERT_EQUAL(expected[i], std::string(r.events[i].json));
            CPPUNIT_ASSERT_EQUAL(std::string(streams[i]), std::string(r.events[i].stream));
            CPPUNIT_ASSERT_EQUAL("a-" + std::to_string(i + 1), std::string(r.events[i].id));
            // A view into the body: nothing was copied.
            CPPUNIT_ASSERT(r.events[i].json.data() >= body.data() && r.events[i].json.data() < body.data() + body.size());
        }
    }

    void testSingleObjectBody() {
        const std::string event = R"({"meta":{"stream":"s","id":"i","dt":"d"},"v":[1,{"a":2}]})";
        const std::string body = "\r\n " + event + " \n"; // the result's views point into it
        const auto r = decode(body);
        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(event, std::string(r.events[0].json));
    }

    void testMetaDtAndIdInsertion() {
        const auto r = decode(R"([{"meta":{"stream":"s","id":"keep"},"a":1},)"
                              R"({"meta":{"dt":"2020-01-01T00:00:00Z","stream":"s"}},)"
                              R"({"a":{"b":2},"meta":{"stream":"s" }, "c":3},)"
                              R"({"meta":{"stream":"s","id":"k","dt":"d"}}])");
        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(4), r.events.size());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"meta":{"stream":"s","id":"keep","dt":")" + kDt + R"("},"a":1})"),
                             std::string(r.events[0].json));
        CPPUNIT_ASSERT_EQUAL(std::string("keep"), std::string(r.events[0].id));
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"meta":{"dt":"2020-01-01T00:00:00Z","stream":"s","id":")" + fixedId() + R"("}})"),
            std::string(r.events[1].json));
        CPPUNIT_ASSERT_EQUAL(fixedId(), std::string(r.events[1].id));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":{"b":2},"meta":{"stream":"s" ,"id":")" + fixedId() + R"(","dt":")" +
                                         kDt + R"("}, "c":3})"),
                             std::string(r.events[2].json));
        CPPUNIT_ASSERT_EQUAL(size_t(3), r.rewritten.size());
        for (const auto& e : r.events) CPPUNIT_ASSERT_MESSAGE(std::string(e.json), isJson(e.json));
    }

    // stream and id are views into the result (the in-situ copy, or the rewritten event): they must
    // survive moving the result, as the plugin does not copy them.
    void testViewsSurviveMovingTheResult() {
        auto moved = decode(R"([{"meta":{"stream":"a\u002eb","id":"x\\y","dt":"d"}},{"meta":{"stream":"c"}}])");
        const RelayResult r = std::move(moved);
        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("a.b"), std::string(r.events[0].stream));
        CPPUNIT_ASSERT_EQUAL(std::string("x\\y"), std::string(r.events[0].id));
        CPPUNIT_ASSERT_EQUAL(std::string("c"), std::string(r.events[1].stream));
        CPPUNIT_ASSERT_EQUAL(fixedId(), std::string(r.events[1].id));
        CPPUNIT_ASSERT(r.events[1].json.find("\"id\":\"" + fixedId() + "\"") != std::string_view::npos);
    }

    void testOnlyTheEventsOwnMetaCounts() {
        const auto r = decode(R"({"x":{"meta":{"stream":"wrong","id":"no"}},"stream":"no",)"
                              R"("meta":{"m":{"stream":"nested"},"stream":"right","id":"yes","dt":"d"},"y":[{"meta":1}]})");
        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("right"), std::string(r.events[0].stream));
        CPPUNIT_ASSERT_EQUAL(std::string("yes"), std::string(r.events[0].id));
    }

    void testBadBodies() {
        struct Case {
            std::string body;
            const char* expected;
        } cases[] = {
            {"", "not valid JSON"},
            {"not json", "not valid JSON"},
            {"42", "not a JSON object or a list of objects"},
            {"\"s\"", "not a JSON object or a list of objects"},
            {"[]", "no events"},
            {"[1]", "event 0 is not a JSON object"},
            {R"([{"meta":{"stream":"s"}},"x"])", "event 1 is not a JSON object"},
            {R"([{"meta":{"stream":"s"}},[]])", "event 1 is not a JSON object"},
            {R"({"a":1})", "event 0: no meta object"},
            {R"({"meta":{"id":"x"}})", "event 0: no meta.stream"},
            {R"({"meta":{"stream":""}})", "meta.stream is empty"},
            {R"({"meta":[]})", "meta is not an object"},
            {R"({"meta":"s"})", "meta is not an object"},
            {R"({"meta":{"stream":5}})", "meta.stream is not a string"},
            {R"({"meta":{"stream":{"a":"b"}}})", "meta.stream is not a string"},
            {R"([{"meta":{"stream":"s"}},{"meta":{"stream":"s","id":7}}])", "event 1: meta.id is not a string"},
            {R"({"meta":{"stream":"s"},"meta":{"stream":"t"}})", "duplicate key meta"},
            {R"({"meta":{"stream":"s","stream":"t"}})", "duplicate key meta.stream"},
            {"{\"meta\":{\"stream\":\"s\"},\"x\":\"\xff\"}", "not valid JSON"},
            {R"({"meta":{"stream":"s"}} x)", "not valid JSON"},
            {R"([{"meta":{"stream":"s"}})", "not valid JSON"},
            {R"([{"meta":{"stream":"s"}},])", "not valid JSON"},
            {std::string("{\"meta\":{\"stream\":\"s\0\"}}", 22), "not valid JSON"},
        };
        for (const auto& c : cases) {
            const auto r = decode(c.body);
            CPPUNIT_ASSERT_MESSAGE(c.body, !r.ok());
            CPPUNIT_ASSERT_MESSAGE(c.body + " -> " + r.error, r.error.find(c.expected) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(c.body, !r.reason.empty());
            CPPUNIT_ASSERT_MESSAGE(c.body, r.events.empty());
        }
    }

    void testDeepNestingIsRejectedWithoutCrashing() {
        const std::string deep(1000000, '[');
        const auto r = decode(deep);
        CPPUNIT_ASSERT(!r.ok());
        const std::string deepEvent = R"({"meta":{"stream":"s"},"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
        const auto ok = decode(deepEvent);
        CPPUNIT_ASSERT_MESSAGE(ok.error, ok.ok());
        CPPUNIT_ASSERT_EQUAL(deepEvent.size() + kDt.size() + fixedId().size() + 16, ok.events[0].json.size());
    }

    // The recursive reader (the fast path) gives what the iterative one gives, byte for byte,
    // for accepted bodies and rejections alike, including around its depth limit (128 levels),
    // past which the iterative reader takes over.
    void testBothReadersAgree() {
        std::vector<std::string> bodies = {
            R"([{"meta":{"stream":"s","id":"keep"},"a":1},{"meta":{"dt":"x","stream":"s"}},{"meta":{"stream":"s","id":"k","dt":"d"}}])",
            R"(  [ { "a" : { "b" : [ 1 , 2 , { } , [ ] ] } , "meta" : { "stream" : "s" , "id" : "i" } } , {"meta":{}} ]  )",
            R"({"meta":{},"x":1})",
            R"({"meta":{"stream":"a\u002eb","id":"x\\y"}})",
            R"({"x":{"meta":{"stream":"wrong"}},"meta":{"m":{"stream":"n"},"stream":"r","id":"y","dt":"d"},"y":[{"meta":1}]})",
            R"([{"meta":{"stream":"s"}},{"meta":{"stream":""}}])",
            R"([{"meta":{"stream":"s"}},{"meta":{"stream":"s","stream":"t"}}])",
            R"([{"meta":{"stream":"s"}},[]])",
            R"([{"meta":{"stream":"s"}},])",
            R"([{"meta":{"stream":"s"}}] x)",
            "[]", "{}", "42", "", "[1]", R"({"meta":{"stream":"s"},"x":tru})",
        };
        for (int depth : {1, 100, 125, 126, 127, 128, 129, 130, 200}) {
            const std::string open(static_cast<size_t>(depth), '['), close(static_cast<size_t>(depth), ']');
            bodies.push_back(R"({"meta":{"stream":"s"},"x":)" + open + close + "}");
            bodies.push_back(R"([{"meta":{"stream":"s"},"x":)" + open + close + R"(},{"meta":{"stream":"t","id":"i"}}])");
            bodies.push_back(R"({"meta":{"stream":"s"},"x":)" + open + "1" + close + "}");
            bodies.push_back(R"({"meta":{"stream":"s"},"x":)" + open + close); // unterminated
        }
        size_t accepted = 0;
        for (const std::string& body : bodies)
            accepted += sameFromEveryWalk(body) ? 1 : 0;
        CPPUNIT_ASSERT_EQUAL(size_t(3 + 3 * 9), accepted);
    }

    // The validated path finds each event's bytes with a scan of its own, 64 bytes at a time:
    // strings holding brackets, quotes and runs of backslashes, at every offset across block
    // boundaries, and escapes split by a boundary, give the same events as the reference reader.
    void testEventBoundariesAtEveryOffset() {
        const std::vector<std::string> tricky = {
            R"(a}]{[b)", R"(\"}{\")", R"(\\)", R"(\\\\)", R"(\\\")", R"(x\\\\\"]\\)", R"(\u005c\")", R"(é{ü}[)",
        };
        size_t accepted = 0;
        for (const std::string& text : tricky) {
            for (size_t pad = 0; pad < 140; ++pad) {
                const std::string event = R"({"p":")" + std::string(pad, 'x') + R"(","t":")" + text +
                                          R"(","meta":{"stream":"s","id":"i)" + std::to_string(pad) +
                                          R"(","dt":"d"},"n":[{"q":")" + text + R"("},[]]})";
                const std::string body = "[" + event + "," + event + "]";
                const RelayResult r = RelayDecoder::decode(body, kDt, &fixedId, RelayDecoder::Walk::Validated);
                CPPUNIT_ASSERT_MESSAGE(body + " -> " + r.error, r.ok()); // the path under test took it
                CPPUNIT_ASSERT_MESSAGE(body, sameFromEveryWalk(body));
                CPPUNIT_ASSERT_EQUAL_MESSAGE(body, event, std::string(r.events.at(1).json));
                accepted += 1;
            }
        }
        CPPUNIT_ASSERT_EQUAL(size_t(8 * 140), accepted);
    }

    // Numbers simdjson reads but RapidJSON may refuse (an exponent, as in 0e309; a very long
    // integer part) are left to RapidJSON, so they are accepted or refused as before; plain
    // numbers and the literals stay on the validated path.
    void testNumbersTheValidatedPathLeavesToRapidJson() {
        const std::string meta = R"("meta":{"stream":"s","id":"i","dt":"d"})";
        const std::string longDigits(400, '7');
        const std::vector<std::string> left = {"0e309", "-0E999", "0.0e310", "1e5", "1.5E-3", "2e+2",
                                               longDigits + ".0", "-" + longDigits + ".5", longDigits,
                                               std::string(127, '1') + ".0"};
        for (const std::string& number : left) {
            for (const std::string& body : {"{" + meta + ",\"x\":" + number + "}", "[{\"x\":[" + number + "]," + meta + "}]"}) {
                sameFromEveryWalk(body);
                const RelayResult validated = RelayDecoder::decode(body, kDt, &fixedId, RelayDecoder::Walk::Validated);
                CPPUNIT_ASSERT_EQUAL_MESSAGE(body, std::string("not_validated"), validated.reason);
            }
        }
        CPPUNIT_ASSERT(!decode("{" + meta + ",\"x\":0e309}").ok()); // RapidJSON's verdict, as before
        const std::vector<std::string> kept = {"0", "-12", "3.25", "1234567890123456789", std::string(60, '9') + ".5",
                                               "true", "false", "null", "[true,false]", "\"1e5\""};
        for (const std::string& value : kept) {
            const std::string body = "{" + meta + ",\"x\":" + value + ",\"e\":1}";
            CPPUNIT_ASSERT_MESSAGE(body, sameFromEveryWalk(body));
            CPPUNIT_ASSERT_MESSAGE(body, RelayDecoder::decode(body, kDt, &fixedId, RelayDecoder::Walk::Validated).ok());
        }
        // Above 1 MiB the body goes to RapidJSON.
        const std::string big = "{" + meta + ",\"x\":\"" + std::string(1 << 20, 'a') + "\"}";
        CPPUNIT_ASSERT_EQUAL(std::string("not_validated"),
                             RelayDecoder::decode(big, kDt, &fixedId, RelayDecoder::Walk::Validated).reason);
        CPPUNIT_ASSERT(sameFromEveryWalk(big));
    }

    // UTF-8 is checked over the whole body up front, 8 ASCII bytes at a time: a bad sequence is
    // found at any offset, in values, keys and the event's own meta alike.
    void testInvalidUtf8AnywhereIsRejected() {
        const std::string good = R"({"meta":{"stream":"s","id":"i","dt":"d"},"text":"0123456789abcdefghijklmnopqrstuvwxyz"})";
        const std::string invalid[] = {"\xFF", "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x80", "\xF4\x90\x80\x80"};
        const size_t textStart = good.find("0123");
        const size_t streamValue = good.find("\"s\"") + 1;
        for (const auto& bad : invalid) {
            for (size_t at : {streamValue, good.find("text"), textStart, textStart + 7, textStart + 8, textStart + 20}) {
                std::string body = "[" + good + "," + good + "]";
                body.insert(good.size() + 2 + at, bad); // in the second event
                const auto r = decode(body);
                CPPUNIT_ASSERT_MESSAGE(body, !r.ok());
                CPPUNIT_ASSERT_MESSAGE(r.error, r.error.find("not valid JSON") != std::string::npos);
                CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), r.reason);
                CPPUNIT_ASSERT(r.events.empty());
            }
        }
    }

    void testNonAsciiAtEveryOffsetIsKept() {
        for (const std::string text : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xE2\x80\xA8"}) {
            for (size_t before = 0; before <= 17; ++before) {
                const std::string event = R"({"meta":{"stream":"s)" + text + R"(","id":"i","dt":"d"},"t":")" +
                                          std::string(before, 'x') + text + R"(y"})";
                const auto r = decode(event);
                CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
                CPPUNIT_ASSERT_EQUAL(event, std::string(r.events[0].json));
                CPPUNIT_ASSERT_EQUAL("s" + text, std::string(r.events[0].stream));
            }
        }
    }

    void testNulOutsideTheDocumentIsRejected() {
        const std::string event = R"({"meta":{"stream":"s","id":"i","dt":"d"}})";
        for (const std::string& body : {event + std::string(1, '\0') + "garbage", std::string(1, '\0') + event,
                                        "[" + event + "," + std::string(1, '\0') + "]"}) {
            const auto r = decode(body);
            CPPUNIT_ASSERT(!r.ok());
            CPPUNIT_ASSERT_MESSAGE(r.error, r.error.find("not valid JSON") != std::string::npos);
            CPPUNIT_ASSERT(r.events.empty());
        }
    }

    // The string scan runs 16 bytes at a time from an aligned address, byte by byte before it:
    // every control byte, at every offset of a string and every alignment of the string's start,
    // must be refused (Debian's RapidJSON SSE2 scan alone lets 0x1A-0x1F through).
    void testRawControlBytesAtEveryOffsetAreRejected() {
        size_t decoded = 0;
        for (size_t shift = 0; shift < 16; ++shift) {
            for (unsigned c = 0x01; c < 0x20; ++c) {
                for (size_t offset = 0; offset < 48; ++offset) {
                    std::string text(48, 'x');
                    text[offset] = static_cast<char>(c);
                    const std::string body =
                        std::string(shift, ' ') + R"({"meta":{"stream":"s","id":"i","dt":"d"},"t":")" + text + "\"}";
                    const auto r = decode(body);
                    ++decoded;
                    CPPUNIT_ASSERT_MESSAGE("byte " + std::to_string(c) + " at " + std::to_string(offset) + " shift " +
                                               std::to_string(shift),
                                           !r.ok() && r.reason == "malformed_json" && r.events.empty());
                }
            }
        }
        CPPUNIT_ASSERT_EQUAL(size_t(16 * 31 * 48), decoded);
        // Outside strings, tab, LF and CR are whitespace.
        CPPUNIT_ASSERT(decode("\t[\r\n" + std::string(R"({"meta":{"stream":"s","id":"i","dt":"d"}})") + "\n]\t").ok());
    }

    // Quotes, backslashes, escapes and multi-byte characters at every offset of strings of every
    // length up to 40, at every alignment: each value comes out exactly, each event byte for byte.
    void testStringsOfEveryLengthAndAlignment() {
        const std::vector<std::pair<std::string, std::string>> pieces = {
            {"\\\"", "\""}, {"\\\\", "\\"}, {"\\n", "\n"}, {"\\u00e9", "\xc3\xa9"}, {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}};
        size_t checked = 0;
        for (size_t shift = 0; shift < 16; ++shift) {
            for (size_t length = 0; length <= 40; ++length) {
                for (size_t at = 0; at <= length; at += 3) {
                    for (const auto& [escaped, plain] : pieces) {
                        const std::string raw = std::string(at, 'a') + escaped + std::string(length - at, 'b');
                        const std::string value = std::string(at, 'a') + plain + std::string(length - at, 'b');
                        const std::string event = R"({"t":")" + raw + R"(","meta":{"stream":")" + raw +
                                                  R"(","id":")" + raw + R"(","dt":"d"},"u":")" + raw + "\"}";
                        const std::string body = std::string(shift, ' ') + "[" + event + "," + event + "]";
                        const auto r = decode(body);
                        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
                        CPPUNIT_ASSERT_EQUAL(size_t(2), r.events.size());
                        for (const auto& e : r.events) {
                            CPPUNIT_ASSERT_EQUAL(value, std::string(e.stream));
                            CPPUNIT_ASSERT_EQUAL(value, std::string(e.id));
                            CPPUNIT_ASSERT_EQUAL(event, std::string(e.json));
                        }
                        ++checked;
                    }
                }
            }
        }
        CPPUNIT_ASSERT(checked > 3000);
    }

    void testHasty() {
        CPPUNIT_ASSERT(RelayDecoder::isHasty("/v1/events?hasty=true"));
        CPPUNIT_ASSERT(RelayDecoder::isHasty("/v1/events?hasty"));
        CPPUNIT_ASSERT(RelayDecoder::isHasty("/v1/events?x=1&hasty=false"));
        CPPUNIT_ASSERT(!RelayDecoder::isHasty("/v1/events"));
        CPPUNIT_ASSERT(!RelayDecoder::isHasty("/v1/events?nothasty=1&hastyx"));
        CPPUNIT_ASSERT(!RelayDecoder::isHasty("/v1/events?x=1#hasty"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RelayDecoderTest);
