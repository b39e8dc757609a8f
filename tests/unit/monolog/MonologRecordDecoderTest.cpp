#include "MonologRecordDecoder.h"

#include "integration/feeds/EventFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::monolog::MonologRecordDecoder;

class MonologRecordDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MonologRecordDecoderTest);
    CPPUNIT_TEST(testApiRequestLine);
    CPPUNIT_TEST(testApiRequestSyslogDatagram);
    CPPUNIT_TEST(testApiRequestUdp2logDatagram);
    CPPUNIT_TEST(testApiRequestBareDatagram);
    CPPUNIT_TEST(testBatchDropsGlobalContextKeys);
    CPPUNIT_TEST(testSyslogFramedBatch);
    CPPUNIT_TEST(testMonolog1RecordRoutedByChannel);
    CPPUNIT_TEST(testChannelMapDoesNotOverrideMetaStream);
    CPPUNIT_TEST(testMetaCreatedForChannelRoute);
    CPPUNIT_TEST(testEmptyMetaWrittenByPhpAsList);
    CPPUNIT_TEST(testMetaDtKeptAndRecordTimeUsed);
    CPPUNIT_TEST(testBinaryValuesReplacedRecursively);
    CPPUNIT_TEST(testWithoutSchema);
    CPPUNIT_TEST(testWithoutStream);
    CPPUNIT_TEST(testInvalidMeta);
    CPPUNIT_TEST(testNotARecord);
    CPPUNIT_TEST(testMalformedJson);
    CPPUNIT_TEST(testBatchIsAllOrNothing);
    CPPUNIT_TEST(testTooDeep);
    CPPUNIT_TEST(testBadDatagrams);
    CPPUNIT_TEST(testInvalidUtf8Key);
    CPPUNIT_TEST(testParseChannelStreams);
    CPPUNIT_TEST(testEventsPassSchemaValidation);
    CPPUNIT_TEST_SUITE_END();

public:
    void testApiRequestLine() {
        const std::string line = EventFixtures::read("monolog/api-request.jsonl");
        CPPUNIT_ASSERT_EQUAL(size_t(752), line.size());
        assertApiRequest(decoder().decodeLine(line));
    }

    void testApiRequestSyslogDatagram() {
        assertApiRequest(decoder().decodeDatagram(EventFixtures::read("monolog/api-request.syslog")));
    }

    void testApiRequestUdp2logDatagram() {
        assertApiRequest(decoder().decodeDatagram(EventFixtures::read("monolog/api-request.udp2log")));
    }

    void testApiRequestBareDatagram() {
        assertApiRequest(decoder().decodeDatagram(EventFixtures::read("monolog/api-request.jsonl")));
    }

    void testBatchDropsGlobalContextKeys() {
        assertBatch(decoder().decodeLine(EventFixtures::read("monolog/batch.json")));
    }

    void testSyslogFramedBatch() {
        assertBatch(decoder().decodeDatagram(EventFixtures::read("monolog/structured-data.syslog")));
    }

    void testMonolog1RecordRoutedByChannel() {
        const auto r = mapped().decodeLine(EventFixtures::read("monolog/monolog1-api-request.jsonl"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), r.events[0].stream);
        EventFixtures::assertEvent(
            R"({"$schema":"/mediawiki/api/request/0.0.1","meta":{"domain":"en.wikipedia.org","stream":"mediawiki.api-request","id":"@ID@","dt":"2024-07-01T12:00:00Z"},"http":{"method":"POST","client_ip":"198.51.100.24"},"database":"enwiki","backend_time_ms":12,"params":{"action":"edit"}})",
            r.events[0].json);
        CPPUNIT_ASSERT(r.events[0].json.find(r.events[0].id) != std::string::npos);
    }

    void testChannelMapDoesNotOverrideMetaStream() {
        const auto r = mapped().decodeLine(EventFixtures::read("monolog/api-request.jsonl"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), r.events[0].stream);
        const auto other = MonologRecordDecoder(MonologRecordDecoder::ChannelStreams{{"api-request", "elsewhere"}})
                               .decodeLine(EventFixtures::read("monolog/api-request.jsonl"));
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), other.events.at(0).stream);
    }

    void testMetaCreatedForChannelRoute() {
        const auto r = mapped().decodeLine(
            R"({"message":"m","context":{"$schema":"/test/event/1.0.0","x":1.5},"channel":"cirrussearch-request","datetime":"2024-07-01T14:00:00.5+02:00"})");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        EventFixtures::assertEvent(
            R"({"$schema":"/test/event/1.0.0","x":1.5,"meta":{"stream":"mediawiki.cirrussearch-request","id":"@ID@","dt":"2024-07-01T12:00:00Z"}})",
            r.events.at(0).json);
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.cirrussearch-request"), r.events[0].stream);
    }

    void testEmptyMetaWrittenByPhpAsList() {
        const auto r = mapped().decodeLine(
            R"({"context":{"$schema":"/s/1.0.0","meta":[]},"channel":"api-request","datetime":"2024-07-01T12:00:00+00:00"})");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        EventFixtures::assertEvent(
            R"({"$schema":"/s/1.0.0","meta":{"stream":"mediawiki.api-request","id":"@ID@","dt":"2024-07-01T12:00:00Z"}})",
            r.events.at(0).json);
        assertRejected("invalid_meta", mapped().decodeLine(R"({"context":{"$schema":"/s","meta":["x"]},"channel":"api-request"})"));
    }

    void testMetaDtKeptAndRecordTimeUsed() {
        const auto kept = decoder().decodeLine(
            R"({"context":{"$schema":"/s/1.0.0","meta":{"stream":"s","id":"given","dt":"2020-01-01T00:00:00Z"}},"datetime":"2024-07-01T12:00:00+00:00"})");
        CPPUNIT_ASSERT_MESSAGE(kept.message, kept.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("given"), kept.events.at(0).id);
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"$schema":"/s/1.0.0","meta":{"stream":"s","id":"given","dt":"2020-01-01T00:00:00Z"}})"),
            kept.events[0].json);
        const auto now = decoder().decodeLine(R"({"context":{"$schema":"/s/1.0.0","meta":{"stream":"s"}},"datetime":"yesterday"})");
        CPPUNIT_ASSERT_MESSAGE(now.message, now.ok());
        EventFixtures::assertEvent(R"({"$schema":"/s/1.0.0","meta":{"stream":"s","id":"@ID@","dt":"@DT@"}})",
                                   now.events.at(0).json);
    }

    void testBinaryValuesReplacedRecursively() {
        const auto r = decoder().decodeLine(
            "{\"context\":{\"$schema\":\"/s/1.0.0\",\"meta\":{\"stream\":\"s\",\"id\":\"i\",\"dt\":\"d\"},"
            "\"blob\":\"\xFF\xFF\xFF\xFF\",\"nested\":{\"list\":[\"ok\",\"\xC3\",7]},\"fine\":\"caf\xC3\xA9\"}}");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(
            std::string("{\"$schema\":\"/s/1.0.0\",\"meta\":{\"stream\":\"s\",\"id\":\"i\",\"dt\":\"d\"},"
                        "\"blob\":\"data:application/octet-stream;base64,/////w==\","
                        "\"nested\":{\"list\":[\"ok\",\"data:application/octet-stream;base64,ww==\",7]},"
                        "\"fine\":\"caf\xC3\xA9\"}"),
            r.events.at(0).json);
    }

    void testWithoutSchema() {
        assertRejected("missing_schema", decoder().decodeLine(EventFixtures::read("monolog/squid-empty-context.jsonl")));
        assertRejected("missing_schema", decoder().decodeLine(R"({"message":"x","context":[],"extra":[]})"));
        assertRejected("missing_schema", decoder().decodeLine(R"({"message":"x"})"));
        assertRejected("missing_schema", decoder().decodeLine(R"({"context":{"$schema":5,"meta":{"stream":"s"}}})"));
        assertRejected("missing_schema", decoder().decodeLine(R"({"context":{"$schema":"","meta":{"stream":"s"}}})"));
        assertRejected("missing_schema", decoder().decodeLine(R"({"context":{"context.$schema":"/s","meta":{"stream":"s"}}})"));
    }

    void testWithoutStream() {
        assertRejected("missing_stream", decoder().decodeLine(R"({"context":{"$schema":"/s"},"channel":"api-request"})"));
        assertRejected("missing_stream", mapped().decodeLine(R"({"context":{"$schema":"/s"},"channel":"other"})"));
        assertRejected("missing_stream", mapped().decodeLine(R"({"context":{"$schema":"/s"}})"));
        assertRejected("missing_stream", mapped().decodeLine(R"({"context":{"$schema":"/s","meta":{}},"channel":7})"));
    }

    void testInvalidMeta() {
        assertRejected("invalid_meta", decoder().decodeLine(R"({"context":{"$schema":"/s","meta":"x"}})"));
        assertRejected("invalid_meta", decoder().decodeLine(R"({"context":{"$schema":"/s","meta":{"stream":5}}})"));
        assertRejected("invalid_meta", decoder().decodeLine(R"({"context":{"$schema":"/s","meta":{"stream":""}}})"));
        assertRejected("invalid_meta", decoder().decodeLine(R"({"context":{"$schema":"/s","meta":{"stream":"s","id":7}}})"));
        assertRejected("invalid_meta", decoder().decodeLine(R"({"context":{"$schema":"/s","meta":{"stream":"s","dt":null}}})"));
    }

    void testNotARecord() {
        assertRejected("not_a_record", decoder().decodeLine("5"));
        assertRejected("not_a_record", decoder().decodeLine("\"text\""));
        assertRejected("not_a_record", decoder().decodeLine("[1]"));
        assertRejected("not_a_record", decoder().decodeLine(R"({"context":"x"})"));
        assertRejected("not_a_record", decoder().decodeLine(R"({"context":[1]})"));
    }

    void testMalformedJson() {
        assertRejected("malformed_json", decoder().decodeLine(""));
        assertRejected("malformed_json", decoder().decodeLine("\r\n"));
        assertRejected("malformed_json", decoder().decodeLine("[2024-07-01 12:00:00] squid.DEBUG: Purging URL [] []"));
        assertRejected("malformed_json", decoder().decodeLine(std::string("{\"context\":{}}\0{", 16)));
        const std::string line = EventFixtures::read("monolog/api-request.jsonl");
        for (size_t len = 1; len + 1 < line.size(); len += 5)
            assertRejected("malformed_json", decoder().decodeLine(line.substr(0, len)));
    }

    void testBatchIsAllOrNothing() {
        const auto r = decoder().decodeLine(
            R"([{"context":{"$schema":"/s","meta":{"stream":"s"}}},{"context":{}}])");
        assertRejected("missing_schema", r);
        const auto empty = decoder().decodeLine("[]");
        CPPUNIT_ASSERT(empty.ok());
        CPPUNIT_ASSERT(empty.events.empty());
    }

    void testTooDeep() {
        assertRejected("too_deep", decoder().decodeLine(std::string(65, '[') + std::string(65, ']')));
        assertRejected("too_deep", decoder().decodeDatagram(std::string(60000, '[')));
        assertRejected("too_deep", decoder().decodeLine(
            R"({"context":{"$schema":"/s","meta":{"stream":"s"},"x":)" + std::string(70, '{') + std::string(70, '}') + "}}"));
        // Brackets inside strings do not count.
        const auto r = decoder().decodeLine(
            R"({"context":{"$schema":"/s","meta":{"stream":"s"},"x":")" + std::string(100, '[') + R"(\"[["}})");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
    }

    void testBadDatagrams() {
        assertRejected("oversized", decoder().decodeDatagram(std::string(65508, ' ')));
        assertRejected("bad_syslog_header",
                       decoder().decodeDatagram("<14>Jul 1 12:00:00 mw1234 mediawiki: @cee: {\"message\":\"\"}"));
        assertRejected("bad_syslog_header", decoder().decodeDatagram("<999>1 - - - - - - {}"));
        assertRejected("malformed_json", decoder().decodeDatagram("<14>1 - - - - - -"));
        assertRejected("malformed_json", decoder().decodeDatagram("<14>1 - - - - - - \n"));
        assertRejected("malformed_json", decoder().decodeDatagram("api-request"));
        assertRejected("malformed_json", decoder().decodeDatagram(""));
        assertRejected("malformed_json", decoder().decodeDatagram("api-request not-json\n"));
    }

    void testInvalidUtf8Key() {
        assertRejected("invalid_utf8",
                       decoder().decodeLine("{\"context\":{\"$schema\":\"/s\",\"meta\":{\"stream\":\"s\"},\"\xFF\":1}}"));
    }

    void testParseChannelStreams() {
        MonologRecordDecoder::ChannelStreams map;
        std::string error;
        CPPUNIT_ASSERT(MonologRecordDecoder::parseChannelStreams("", map, error));
        CPPUNIT_ASSERT(map.empty());
        CPPUNIT_ASSERT(MonologRecordDecoder::parseChannelStreams(
            " api-request = mediawiki.api-request,cirrussearch-request=mediawiki.cirrussearch-request, ", map, error));
        CPPUNIT_ASSERT_EQUAL(size_t(2), map.size());
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), map["api-request"]);
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.cirrussearch-request"), map["cirrussearch-request"]);
        for (const char* bad : {"api-request", "=stream", "channel=", "a=b,c"}) {
            error.clear();
            MonologRecordDecoder::ChannelStreams m;
            CPPUNIT_ASSERT_MESSAGE(bad, !MonologRecordDecoder::parseChannelStreams(bad, m, error));
            CPPUNIT_ASSERT(!error.empty());
        }
    }

    void testEventsPassSchemaValidation() {
        std::vector<std::string> events;
        for (const auto& e : mapped().decodeLine(EventFixtures::read("monolog/monolog1-api-request.jsonl")).events)
            events.push_back(e.json);
        for (const auto& e : decoder().decodeLine(EventFixtures::read("monolog/batch.json")).events)
            events.push_back(e.json);
        CPPUNIT_ASSERT_EQUAL(size_t(3), events.size());
        EventFixtures::assertValid(events);
    }

private:
    static MonologRecordDecoder decoder() { return MonologRecordDecoder(); }

    static MonologRecordDecoder mapped() {
        return MonologRecordDecoder(MonologRecordDecoder::ChannelStreams{
            {"api-request", "mediawiki.api-request"}, {"cirrussearch-request", "mediawiki.cirrussearch-request"}});
    }

    static void assertApiRequest(const MonologRecordDecoder::Result& r) {
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.api-request"), r.events[0].stream);
        CPPUNIT_ASSERT_EQUAL(std::string("5b0e1c53-3d35-4a36-9c2e-2a9f4f3b7d11"), r.events[0].id);
        // EventBus's body for this record (spec 3.4), plus the meta.dt EventGate needs, from the record's time.
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                R"J({"$schema":"/mediawiki/api/request/1.0.0","meta":{"request_id":"ZoK3mAw4QQ8AAGR2kpUAAABK","id":"5b0e1c53-3d35-4a36-9c2e-2a9f4f3b7d11","domain":"en.wikipedia.org","stream":"mediawiki.api-request","dt":"2024-07-01T12:00:00Z"},"http":{"method":"GET","client_ip":"198.51.100.23","request_headers":{"user-agent":"ExampleBot/1.0 (https://example.org/bot; bot@example.org)"}},"performer":{"user_text":"ExampleBot","user_id":4242},"database":"enwiki","backend_time_ms":37,"params":{"action":"query","format":"json","prop":"info","titles":"Café"}})J"),
            r.events[0].json);
    }

    static void assertBatch(const MonologRecordDecoder::Result& r) {
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(2), r.events.size());
        EventFixtures::assertEvent(
            R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":"@ID@","dt":"2024-07-01T12:00:00Z"},"foo":"bar"})",
            r.events[0].json);
        EventFixtures::assertEvent(
            R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":"@ID@","dt":"2024-07-01T12:00:01Z"},"baz":"quux"})",
            r.events[1].json);
        CPPUNIT_ASSERT(r.events[0].id != r.events[1].id);
    }

    static void assertRejected(const std::string& reason, const MonologRecordDecoder::Result& r) {
        CPPUNIT_ASSERT_MESSAGE("accepted", !r.ok());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.message, reason, std::string(r.reason));
        CPPUNIT_ASSERT(!r.message.empty());
        CPPUNIT_ASSERT(r.events.empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MonologRecordDecoderTest);
