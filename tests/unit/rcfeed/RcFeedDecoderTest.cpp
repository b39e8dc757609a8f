#include "RcFeedDecoder.h"

#include "integration/feeds/EventFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::rcfeed::RcFeedDecoder;

class RcFeedDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RcFeedDecoderTest);
    CPPUNIT_TEST(testFixturesAreTheSpecBytes);
    CPPUNIT_TEST(testEdit);
    CPPUNIT_TEST(testNewPageDropsNullsInsideObjects);
    CPPUNIT_TEST(testLogDropsNullNotifyUrl);
    CPPUNIT_TEST(testPrefixedDatagramWithNewline);
    CPPUNIT_TEST(testTrailingNewlineWithoutPrefix);
    CPPUNIT_TEST(testNumericTypeOfOldMediaWiki);
    CPPUNIT_TEST(testUriFromArticlePathWithoutTitleUrl);
    CPPUNIT_TEST(testEscapesAndAstralCharacters);
    CPPUNIT_TEST(testEnvelopeKeysInTheChangeAreReplaced);
    CPPUNIT_TEST(testDuplicateKeysStayAndTheFirstNonNullCounts);
    CPPUNIT_TEST(testNullsDroppedFromObjectsAtEveryDepthKeptInArrays);
    CPPUNIT_TEST(testNumbersAsPhpWritesThem);
    CPPUNIT_TEST(testStringsReencodedOnlyWhereTheLiteralDiffers);
    CPPUNIT_TEST(testStringsAndWhitespaceEndingAtEveryOffset);
    CPPUNIT_TEST(testEscapesAtEveryOffsetOfLongStrings);
    CPPUNIT_TEST(testRawControlCharactersAtEveryOffset);
    CPPUNIT_TEST(testUnterminatedStringsAtTheEndOfTheInput);
    CPPUNIT_TEST(testMalformedJson);
    CPPUNIT_TEST(testTruncatedDatagram);
    CPPUNIT_TEST(testNotAChange);
    CPPUNIT_TEST(testOversized);
    CPPUNIT_TEST(testTooDeep);
    CPPUNIT_TEST(testNestingLimitIsExactly64);
    CPPUNIT_TEST(testNestingLimitCoversTheWholeText);
    CPPUNIT_TEST(testInvalidUtf8);
    CPPUNIT_TEST(testEventsPassSchemaValidation);
    CPPUNIT_TEST(testMediaWikiChangesTakeTheValidatedPath);
    CPPUNIT_TEST(testOtherChangesTakeTheGeneralPath);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFixturesAreTheSpecBytes() {
        CPPUNIT_ASSERT_EQUAL(size_t(595), EventFixtures::read("rcfeed/edit.dgram").size());
        CPPUNIT_ASSERT_EQUAL(size_t(552), EventFixtures::read("rcfeed/new.dgram").size());
        CPPUNIT_ASSERT_EQUAL(size_t(568), EventFixtures::read("rcfeed/log.dgram").size());
    }

    void testEdit() {
        EventFixtures::assertEvent(kEditEvent, decodeOk(EventFixtures::read("rcfeed/edit.dgram")));
    }

    void testNewPageDropsNullsInsideObjects() {
        EventFixtures::assertEvent(
            R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/User:ExampleUser/sandbox","id":"@ID@","domain":"en.wikipedia.org","stream":"mediawiki.recentchange","dt":"2024-07-01T12:01:00Z"},"id":1784512399,"type":"new","namespace":2,"title":"User:ExampleUser/sandbox","title_url":"https://en.wikipedia.org/wiki/User:ExampleUser/sandbox","comment":"Created page with \"Hello\"","timestamp":1719835260,"user":"ExampleUser","bot":false,"notify_url":"https://en.wikipedia.org/w/index.php?oldid=1232000050&rcid=1784512399","minor":false,"patrolled":false,"length":{"new":5},"revision":{"new":1232000050},"server_url":"https://en.wikipedia.org","server_name":"en.wikipedia.org","server_script_path":"/w","wiki":"enwiki"})",
            decodeOk(EventFixtures::read("rcfeed/new.dgram")));
    }

    void testLogDropsNullNotifyUrl() {
        EventFixtures::assertEvent(kLogEvent, decodeOk(EventFixtures::read("rcfeed/log.dgram")));
    }

    void testPrefixedDatagramWithNewline() {
        const std::string datagram = EventFixtures::read("rcfeed/log-prefixed.dgram");
        CPPUNIT_ASSERT_EQUAL(std::string("#en.wikipedia {"), datagram.substr(0, 15));
        CPPUNIT_ASSERT_EQUAL('\n', datagram.back());
        EventFixtures::assertEvent(kLogEvent, decodeOk(datagram));
    }

    void testTrailingNewlineWithoutPrefix() {
        EventFixtures::assertEvent(kEditEvent, decodeOk(EventFixtures::read("rcfeed/edit-newline.dgram")));
    }

    void testNumericTypeOfOldMediaWiki() {
        const std::string json = decodeOk(
            R"({"id":7,"type":3,"namespace":0,"title":"Foo","title_url":"https://w.example/wiki/Foo","comment":"","timestamp":0,"user":"U","bot":true,"server_name":"w.example"})");
        EventFixtures::assertEvent(
            R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://w.example/wiki/Foo","id":"@ID@","domain":"w.example","stream":"mediawiki.recentchange","dt":"1970-01-01T00:00:00Z"},"id":7,"type":"log","namespace":0,"title":"Foo","title_url":"https://w.example/wiki/Foo","comment":"","timestamp":0,"user":"U","bot":true,"server_name":"w.example"})",
            json);
    }

    void testUriFromArticlePathWithoutTitleUrl() {
        RcFeedDecoder decoder("rc", "/w/index.php?title=$1");
        const auto r = decoder.decode(
            R"({"type":"edit","namespace":1,"title":"Talk:Caf\u00e9 & more","timestamp":1719835200,"server_url":"http://w.example"})");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        assertIdIsMetaId(r);
        EventFixtures::assertEvent(
            R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"http://w.example/w/index.php?title=Talk:Caf%C3%A9_%26_more","id":"@ID@","stream":"rc","dt":"2024-07-01T12:00:00Z"},"type":"edit","namespace":1,"title":"Talk:Café & more","timestamp":1719835200,"server_url":"http://w.example"})",
            r.json);
    }

    void testEscapesAndAstralCharacters() {
        // Core writes astral characters as surrogate pairs and U+2028 escaped; ALL_OK writes the
        // former raw and keeps U+2028 escaped; a NUL stays an escape.
        const std::string json = decodeOk(
            R"({"type":"edit","title":"\ud83d\ude00\u2028\u0000\/","title_url":"https://w.example/wiki/X","timestamp":1})");
        EventFixtures::assertEvent(
            "{\"$schema\":\"/mediawiki/recentchange/1.0.0\",\"meta\":{\"uri\":\"https://w.example/wiki/X\",\"id\":\"@ID@\","
            "\"stream\":\"mediawiki.recentchange\",\"dt\":\"1970-01-01T00:00:01Z\"},\"type\":\"edit\","
            "\"title\":\"\xF0\x9F\x98\x80\\u2028\\u0000/\",\"title_url\":\"https://w.example/wiki/X\",\"timestamp\":1}",
            json);
    }

    void testEnvelopeKeysInTheChangeAreReplaced() {
        const std::string json = decodeOk(
            R"({"$schema":"/x/1.0.0","meta":{"stream":"evil"},"type":"edit","title":"X","title_url":"https://w.example/wiki/X","timestamp":1})");
        EventFixtures::assertEvent(
            R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://w.example/wiki/X","id":"@ID@","stream":"mediawiki.recentchange","dt":"1970-01-01T00:00:01Z"},"type":"edit","title":"X","title_url":"https://w.example/wiki/X","timestamp":1})",
            json);
    }

    // As a lookup after removing nulls from a DOM found them: every occurrence of a key is written,
    // the first non-null one is what the checks and the envelope read, and only that "type" is
    // turned into a name. Envelope keys go however they are spelled.
    void testDuplicateKeysStayAndTheFirstNonNullCounts() {
        EventFixtures::assertEvent(
            R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"u","id":"@ID@","stream":"mediawiki.recentchange","dt":"1970-01-01T00:00:01Z"},"type":"edit","title":"X","title":5,"title_url":"u","timestamp":1,"timestamp":"x","type":3})",
            decodeOk(R"({"type":null,"type":"edit","$schema":"/x","title":"X","title":5,"title_url":"u","timestamp":1,"timestamp":"x","type":3,"\u0024schema":1,"meta":[1]})"));
        const std::string json = decodeOk(R"({"type":1,"type":3,"title":"X","title_url":"u","timestamp":1})");
        CPPUNIT_ASSERT(json.find(R"("type":"new","type":3,)") != std::string::npos);
        assertRejected("not_recentchange", R"({"type":true,"type":"edit","title":"X","title_url":"u","timestamp":1})");
        assertRejected("not_recentchange", R"({"type":"edit","title":"X","title_url":"u","timestamp":null,"timestamp":1.0,"timestamp":1})");
    }

    void testNullsDroppedFromObjectsAtEveryDepthKeptInArrays() {
        const std::string json = decodeOk(
            R"({"type":"edit","title":"X","title_url":"u","timestamp":1,"a":{"b":null,"c":[null,{"d":null}],"e":{}},"f":[],"g":null})");
        CPPUNIT_ASSERT(json.find(R"("timestamp":1,"a":{"c":[null,{}],"e":{}},"f":[]})") != std::string::npos);
    }

    void testNumbersAsPhpWritesThem() {
        const std::string json = decodeOk(
            R"({"type":"edit","title":"X","title_url":"u","timestamp":1,"n":[1.5,1e25,-0,18446744073709551615,9223372036854775808,-9223372036854775808,1e-7,10.0,0.1]})");
        CPPUNIT_ASSERT(json.find(R"("n":[1.5,1.0e+25,0,18446744073709551615,9223372036854775808,-9223372036854775808,1.0e-7,10,0.1]})") !=
                       std::string::npos);
    }

    // Literals without escapes are copied, the others decoded and encoded again: both must give
    // what json::encode gives for the decoded string, keys included.
    void testStringsReencodedOnlyWhereTheLiteralDiffers() {
        const std::string json = decodeOk("{\"type\":\"edit\",\"title\":\"X\",\"title_url\":\"u\",\"timestamp\":1,"
                                          "\"k\\u0065y\":\"\\/caf\xC3\xA9 \xE2\x80\xA8 \x7F\",\"caf\xC3\xA9\":\"a/b\"}");
        CPPUNIT_ASSERT(json.find("\"key\":\"/caf\xC3\xA9 \\u2028 \x7F\",\"caf\xC3\xA9\":\"a/b\"}") != std::string::npos);
    }

    // The parser may scan its copy of the text 16 bytes at a time from 16-byte boundaries (RapidJSON
    // with SSE2): a string or a run of whitespace that ends at any offset from such a boundary and
    // from the end of the input must decode as a byte-by-byte scan decodes it. 48 lengths put the
    // string's end at every offset modulo 16 and 32; the tails put it 1 to 32 bytes before the end.
    void testStringsAndWhitespaceEndingAtEveryOffset() {
        for (size_t length = 0; length < 48; ++length) {
            const std::string s = letters(length);
            const std::string member = R"(,"s":")" + s + "\"";
            const std::string expected = kSmallEvent + member + "}";
            for (size_t tail = 0; tail < 32; ++tail) {
                const std::string ws(tail, tail % 2 ? ' ' : '\t');
                const std::string spacedMember = "," + ws + "\"s\"" + ws + ":" + ws + "\"" + s + "\"";
                for (const std::string& datagram :
                     {kSmallChange + member + ws + "}", kSmallChange + member + "}" + ws, kSmallChange + spacedMember + "}"})
                    EventFixtures::assertEvent(expected, decodeOk(datagram));
            }
        }
    }

    // An escape switches the in-place decode from skipping to copying (the decoded text is shorter
    // than the literal): escapes at every offset of a long string, alone and after an earlier one,
    // with literal text running over several 16-byte blocks on both sides.
    void testEscapesAtEveryOffsetOfLongStrings() {
        const std::pair<const char*, const char*> escapes[] = {
            {R"(\")", R"(\")"},          {R"(\\)", R"(\\)"},   {R"(\/)", "/"},
            {R"(\n)", R"(\n)"},          {R"(\u00e9)", "\xC3\xA9"}, {R"(\u2028)", R"(\u2028)"},
            {R"(\ud83d\ude00)", "\xF0\x9F\x98\x80"}, {R"(\u001f)", R"(\u001f)"},
        };
        for (const auto& [literal, encoded] : escapes) {
            for (size_t at = 0; at < 48; ++at) {
                const std::string before = letters(at), after = letters(70 - at);
                const std::string alone = before + literal + after;
                const std::string second = std::string(R"(\/)") + before + literal + after;
                const std::string expected = kSmallEvent + std::string(R"(,"s":")") + before + encoded + after +
                                             R"(","t":"/)" + before + encoded + after + "\"}";
                EventFixtures::assertEvent(
                    expected, decodeOk(kSmallChange + std::string(R"(,"s":")") + alone + R"(","t":")" + second + "\"}"));
            }
        }
    }

    // JSON forbids raw control characters in strings. They are rejected at every offset of a long
    // string, 0x1A to 0x1F included (RapidJSON 1.1's SSE2 scan lets those through: compared with
    // 0x19, not 0x1F), with the offset of the character.
    void testRawControlCharactersAtEveryOffset() {
        for (int c = 0x01; c < 0x20; ++c) {
            for (size_t at = 0; at < 48; ++at) {
                const std::string datagram =
                    kSmallChange + std::string(R"(,"s":")") + letters(at) + char(c) + letters(40) + "\"}";
                assertRejectedAs("malformed_json",
                                 "invalid JSON at offset " + std::to_string(kSmallChange.size() + 6 + at) +
                                     ": Invalid escape character in string.",
                                 datagram);
            }
        }
    }

    // Strings cut off by the end of the input at every offset, or closed by its last byte: the
    // parser's copy of the text ends there.
    void testUnterminatedStringsAtTheEndOfTheInput() {
        for (size_t length = 0; length < 48; ++length) {
            const std::string open = kSmallChange + std::string(R"(,"s":")") + letters(length);
            assertRejectedAs("malformed_json",
                             "invalid JSON at offset " + std::to_string(open.size()) +
                                 ": Missing a closing quotation mark in string.",
                             open);
            assertRejectedAs("malformed_json",
                             "invalid JSON at offset " + std::to_string(open.size() + 1) +
                                 ": Missing a comma or '}' after an object member.",
                             open + "\"");
            assertRejectedAs("malformed_json",
                             "invalid JSON at offset " + std::to_string(open.size()) +
                                 ": Invalid escape character in string.",
                             open + "\\");
            assertRejectedAs("malformed_json",
                             "invalid JSON at offset " + std::to_string(open.size()) +
                                 ": Incorrect hex digit after \\u escape in string.",
                             open + "\\u00");
            const std::string key = kSmallChange + ",\"" + letters(length);
            assertRejectedAs("malformed_json",
                             "invalid JSON at offset " + std::to_string(key.size()) +
                                 ": Missing a closing quotation mark in string.",
                             key);
        }
    }

    void testMalformedJson() {
        assertRejected("malformed_json", "");
        assertRejected("malformed_json", "\n");
        assertRejected("malformed_json", "#prefix-without-json\n");
        assertRejected("malformed_json", "{\"type\":\"edit\",}");
        assertRejected("malformed_json", "{\"type\":\"edit\"} trailing");
        assertRejected("malformed_json", R"({"type":"edit","title":"\ud800"})");
        assertRejected("malformed_json", std::string("{\"a\":1}\0", 8));
    }

    void testTruncatedDatagram() {
        const std::string datagram = EventFixtures::read("rcfeed/edit.dgram");
        for (size_t len = 0; len < datagram.size(); len += 7)
            assertRejected("malformed_json", datagram.substr(0, len));
    }

    void testNotAChange() {
        assertRejected("malformed_json", "[1,2]");
        assertRejected("malformed_json", "\"edit\"");
        assertRejected("not_recentchange", "{}");
        assertRejected("not_recentchange", R"({"type":"edit","title":"X","title_url":"u"})");
        assertRejected("not_recentchange", R"({"type":"edit","title":"X","title_url":"u","timestamp":1.5})");
        assertRejected("not_recentchange", R"({"type":"edit","title":"X","title_url":"u","timestamp":-1})");
        assertRejected("not_recentchange", R"({"type":"edit","title":"X","title_url":"u","timestamp":99999999999999})");
        assertRejected("not_recentchange", R"({"type":"edit","title":7,"title_url":"u","timestamp":1})");
        assertRejected("not_recentchange", R"({"type":"edit","title":"X","timestamp":1})");
        assertRejected("not_recentchange", R"({"type":2,"title":"X","title_url":"u","timestamp":1})");
        assertRejected("not_recentchange", R"({"type":null,"title":"X","title_url":"u","timestamp":1})");
    }

    void testOversized() {
        std::string big = "{\"type\":\"edit\",\"title\":\"" + std::string(RcFeedDecoder::kMaxDatagramBytes, 'x') + "\"}";
        assertRejected("oversized", big);
    }

    void testTooDeep() {
        assertRejected("too_deep", "{\"log_params\":" + std::string(64, '[') + std::string(64, ']') + "}");
        assertRejected("too_deep", "{" + std::string(60000, '['));
        // Brackets inside strings do not count.
        const std::string json = decodeOk(R"({"type":"edit","title":"[[[[\"{{","title_url":"u","timestamp":1,"log_params":)" +
                                          std::string(63, '[') + std::string(63, ']') + "}");
        CPPUNIT_ASSERT(json.find(std::string(63, '[')) != std::string::npos);
    }

    // 64 levels, the change itself included, are the most; nesting inside "meta", which the event
    // replaces, counts too.
    void testNestingLimitIsExactly64() {
        const std::string change = R"({"type":"edit","title":"X","title_url":"u","timestamp":1,)";
        const std::string deepest = decodeOk(change + R"("a":)" + nested(63) + "}");
        CPPUNIT_ASSERT(deepest.find(nested(63)) != std::string::npos);
        assertRejected("too_deep", change + R"("a":)" + nested(64) + "}");
        decodeOk(change + R"("meta":)" + nested(63) + "}");
        assertRejected("too_deep", change + R"("meta":)" + nested(64) + "}");
        assertRejected("too_deep", change + R"("a":)" + std::string(64, '[') + std::string(64, ']') + "}");
    }

    // The limit holds for all of the text, as when it was checked before parsing: deep nesting
    // after a syntax error or after the object is "too_deep", not "malformed_json".
    void testNestingLimitCoversTheWholeText() {
        assertRejected("too_deep", R"({"type":"edit","title":x,"a":)" + std::string(70, '['));
        assertRejected("too_deep", R"({"type":"edit"} )" + std::string(70, '['));
        assertRejected("malformed_json", R"({"type":"edit","title":x,"a":)" + std::string(63, '['));
        assertRejected("malformed_json", R"({"a":"[[[[)" + std::string(70, '[') + "\"");
    }

    void testInvalidUtf8() {
        assertRejected("invalid_utf8", "{\"type\":\"edit\",\"title\":\"\xFF\xFE\",\"title_url\":\"u\",\"timestamp\":1}");
        assertRejected("invalid_utf8", "{\"type\":\"edit\",\"title\":\"X\",\"title_url\":\"u\",\"timestamp\":1,\"\xC3\":1}");
    }

    void testEventsPassSchemaValidation() {
        std::vector<std::string> events;
        for (const char* name : {"rcfeed/edit.dgram", "rcfeed/new.dgram", "rcfeed/log.dgram", "rcfeed/log-prefixed.dgram"})
            events.push_back(decodeOk(EventFixtures::read(name)));
        EventFixtures::assertValid(events);
    }

    // What MediaWiki sends (escapes, nulls in and out of objects, a prefix, a line end) is written
    // by the validated path; decodeOk checks it gives what the general path gives.
    void testMediaWikiChangesTakeTheValidatedPath() {
        for (const char* name : {"rcfeed/edit.dgram", "rcfeed/new.dgram", "rcfeed/log.dgram", "rcfeed/log-prefixed.dgram",
                                 "rcfeed/edit-newline.dgram"}) {
            const std::string datagram = EventFixtures::read(name);
            decodeOk(datagram);
            CPPUNIT_ASSERT_MESSAGE(name, decodeWith(datagram).validated);
        }
        for (const std::string& change :
             {kSmallChange + "}", kSmallChange + R"(,"n":[-1,0,123456789012345678,true,false,null,{},[],"\u00e9"]})",
              kSmallChange + " , \"a\" : { \"b\" : null , \"c\" : [ 1 , null ] , \"d\" : null } , \"e\" : null }",
              kSmallChange + R"(,"s":"\ud83d\ude00 \u2028 )" + "\xE2\x80\xA9 \xE2\x82\xAC" + R"(","a":)" + nested(31) + "}",
              kSmallChange + R"(,"e":"\b\f\n\r\t\"\\\/ \u0000\u001f\u007f \u0026\u003C\u003e","\u0062":1})"}) {
            decodeOk(change);
            CPPUNIT_ASSERT_MESSAGE(change, decodeWith(change).validated);
        }
    }

    // The changes the validated path leaves to the general one: decodeOk checks they decode all
    // the same, and rejections are always the general path's.
    void testOtherChangesTakeTheGeneralPath() {
        for (const std::string& change :
             {kSmallChange + R"(,"n":1.5})", kSmallChange + R"(,"n":1e3})", kSmallChange + R"(,"n":-0})",
              kSmallChange + R"(,"n":1234567890123456789})", kSmallChange + R"(,"n":-9223372036854775809})",
              kSmallChange + R"(,"meta":{"x":1}})", kSmallChange + R"(,"$schema":"/x"})",
              std::string(R"({"type":1,"title":"X","title_url":"u","timestamp":1})"), kSmallChange + R"(,"a":)" + nested(32) + "}",
              kSmallChange + R"(,"s":")" + std::string(20000, 'x') + "\"}"}) {
            decodeOk(change);
            CPPUNIT_ASSERT_MESSAGE(change.substr(0, 200), !decodeWith(change).validated);
        }
        assertRejected("invalid_utf8", kSmallChange + R"(,"s":"\udc00"})"); // RapidJSON writes its bytes
        assertRejected("not_recentchange", R"({"type":"edit","title":"X","title_url":"u","timestamp":1e3})");
    }

private:
    static constexpr const char* kEditEvent =
        R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Caf%C3%A9_au_lait","id":"@ID@","domain":"en.wikipedia.org","stream":"mediawiki.recentchange","dt":"2024-07-01T12:00:00Z"},"id":1784512345,"type":"edit","namespace":0,"title":"Café au lait","title_url":"https://en.wikipedia.org/wiki/Caf%C3%A9_au_lait","comment":"/* History */ fix typo & <ref> format","timestamp":1719835200,"user":"ExampleUser","bot":false,"notify_url":"https://en.wikipedia.org/w/index.php?diff=1232000001&oldid=1231999000&rcid=1784512345","minor":true,"patrolled":false,"length":{"old":10234,"new":10236},"revision":{"old":1231999000,"new":1232000001},"server_url":"https://en.wikipedia.org","server_name":"en.wikipedia.org","server_script_path":"/w","wiki":"enwiki"})";
    static constexpr const char* kLogEvent =
        R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Foo_bar","id":"@ID@","domain":"en.wikipedia.org","stream":"mediawiki.recentchange","dt":"2024-07-01T12:01:40Z"},"id":1784512400,"type":"log","namespace":0,"title":"Foo bar","title_url":"https://en.wikipedia.org/wiki/Foo_bar","comment":"[[WP:CSD#G7|G7]]: One author who has requested deletion","timestamp":1719835300,"user":"AdminUser","bot":false,"log_id":158000001,"log_type":"delete","log_action":"delete","log_params":[],"log_action_comment":"deleted &quot;[[Foo bar]]&quot;: [[WP:CSD#G7|G7]]: One author who has requested deletion","server_url":"https://en.wikipedia.org","server_name":"en.wikipedia.org","server_script_path":"/w","wiki":"enwiki"})";

    /// A change with what the checks need and no closing brace, and its event without the closing
    /// brace.
    static inline const std::string kSmallChange = R"({"type":"edit","title":"X","title_url":"u","timestamp":1)";
    static inline const std::string kSmallEvent =
        R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"u","id":"@ID@","stream":"mediawiki.recentchange","dt":"1970-01-01T00:00:01Z"},"type":"edit","title":"X","title_url":"u","timestamp":1)";

    /// length letters and digits, none of them special to JSON.
    static std::string letters(size_t length) {
        static const char kCycle[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        std::string s;
        for (size_t i = 0; i < length; ++i) s += kCycle[i % (sizeof kCycle - 1)];
        return s;
    }

    /// levels arrays and objects nested in one another, innermost holding a 1.
    static std::string nested(int levels) {
        std::string open, close;
        for (int i = 0; i < levels; ++i) {
            open += i % 2 ? "[" : R"({"x":)";
            close.insert(0, i % 2 ? "]" : "}");
        }
        return open + "1" + close;
    }

    static RcFeedDecoder::Result decodeWith(const std::string& datagram, bool general = false) {
        RcFeedDecoder decoder("mediawiki.recentchange", "/wiki/$1");
        return general ? decoder.decodeGeneral(datagram) : decoder.decode(datagram);
    }

    /// The event, which the general path (RapidJSON's reader and ChangeWriter, without the
    /// validated path) gives as well, meta.id aside.
    static std::string decodeOk(const std::string& datagram) {
        const RcFeedDecoder::Result r = decodeWith(datagram);
        CPPUNIT_ASSERT_MESSAGE(std::string(r.reason ? r.reason : "") + ": " + r.message, r.ok());
        assertIdIsMetaId(r);
        const RcFeedDecoder::Result general = decodeWith(datagram, true);
        CPPUNIT_ASSERT_MESSAGE(std::string(general.reason ? general.reason : "") + ": " + general.message, general.ok());
        CPPUNIT_ASSERT(!general.validated);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(datagram.substr(0, 300), withoutId(general), withoutId(r));
        return r.json;
    }

    static std::string withoutId(const RcFeedDecoder::Result& r) {
        return std::string(r.json).replace(r.idOffset, 36, "@ID@");
    }

    /// id() is read from where the decoder wrote meta.id into the event.
    static void assertIdIsMetaId(const RcFeedDecoder::Result& r) {
        CPPUNIT_ASSERT_EQUAL(size_t(36), r.id().size());
        CPPUNIT_ASSERT_MESSAGE(r.json, r.json.find(",\"id\":\"" + std::string(r.id()) + "\"") != std::string::npos);
    }

    static void assertRejectedAs(const std::string& reason, const std::string& message, const std::string& datagram) {
        const RcFeedDecoder::Result r = decodeWith(datagram);
        CPPUNIT_ASSERT_MESSAGE("accepted: " + datagram.substr(0, 200), !r.ok());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(datagram, reason, std::string(r.reason));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(datagram, message, r.message);
        CPPUNIT_ASSERT(r.json.empty());
    }

    static void assertRejected(const std::string& reason, const std::string& datagram) {
        const RcFeedDecoder::Result r = decodeWith(datagram);
        CPPUNIT_ASSERT_MESSAGE("accepted: " + datagram.substr(0, 200), !r.ok());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.message, reason, std::string(r.reason));
        CPPUNIT_ASSERT_MESSAGE("rejection without a message", !r.message.empty());
        CPPUNIT_ASSERT(r.json.empty());
        const RcFeedDecoder::Result general = decodeWith(datagram, true);
        CPPUNIT_ASSERT_EQUAL(std::string(r.reason), std::string(general.reason ? general.reason : ""));
        CPPUNIT_ASSERT_EQUAL(r.message, general.message);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RcFeedDecoderTest);
