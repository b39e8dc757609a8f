#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"

#include <cppunit/extensions/HelperMacros.h>

#include <rapidjson/document.h>

#include <regex>
#include <set>
#include <string>

using eventbus::formatDt;
using eventbus::toDt;

namespace {

rapidjson::Document parse(const char* text) {
    rapidjson::Document d;
    d.Parse(text);
    CPPUNIT_ASSERT(!d.HasParseError());
    return d;
}

const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex kDt("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$");

} // namespace

class EnvelopeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EnvelopeTest);
    CPPUNIT_TEST(testUuidFormat);
    CPPUNIT_TEST(testUuidUnique);
    CPPUNIT_TEST(testUuidEveryRandomDigitVaries);
    CPPUNIT_TEST(testFormatDt);
    CPPUNIT_TEST(testNowDt);
    CPPUNIT_TEST(testToDtMediaWikiTimestamp);
    CPPUNIT_TEST(testToDtUnixSeconds);
    CPPUNIT_TEST(testToDtIso8601);
    CPPUNIT_TEST(testToDtInvalid);
    CPPUNIT_TEST(testLegacyEnvelope);
    CPPUNIT_TEST(testLegacyEnvelopeFillsIdAndDt);
    CPPUNIT_TEST(testModernEnvelope);
    CPPUNIT_TEST(testModernEnvelopeOptionalFields);
    CPPUNIT_TEST(testModernEnvelopeOverridesInPlace);
    CPPUNIT_TEST(testEnsureIdAndDt);
    CPPUNIT_TEST(testEnsureIdAndDtKeepsExisting);
    CPPUNIT_TEST(testRequestIds);
    CPPUNIT_TEST_SUITE_END();

public:
    void testUuidFormat() {
        for (int i = 0; i < 200; ++i) {
            const std::string id = eventbus::uuidV4();
            CPPUNIT_ASSERT_MESSAGE(id, std::regex_match(id, kUuidV4));
        }
    }

    void testUuidUnique() {
        std::set<std::string> ids;
        for (int i = 0; i < 10000; ++i) ids.insert(eventbus::uuidV4());
        CPPUNIT_ASSERT_EQUAL(size_t(10000), ids.size());
    }

    // The hex digits are laid out by hand: each random position must take all 16 values (a digit
    // read from the wrong bits would stay constant or skip values).
    void testUuidEveryRandomDigitVaries() {
        std::set<char> seen[36];
        for (int i = 0; i < 2000; ++i) {
            const std::string id = eventbus::uuidV4();
            for (size_t k = 0; k < id.size(); ++k) seen[k].insert(id[k]);
        }
        for (size_t k = 0; k < 36; ++k) {
            const size_t expected = (k == 8 || k == 13 || k == 18 || k == 23) ? 1 : k == 14 ? 1 : k == 19 ? 4 : 16;
            CPPUNIT_ASSERT_EQUAL_MESSAGE("position " + std::to_string(k), expected, seen[k].size());
        }
    }

    void testFormatDt() {
        CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00Z"), formatDt(0));
        CPPUNIT_ASSERT_EQUAL(std::string("2019-01-01T00:00:00Z"), formatDt(1546300800));
        CPPUNIT_ASSERT_EQUAL(std::string("2000-02-29T23:59:59Z"), formatDt(951868799));
        CPPUNIT_ASSERT_EQUAL(std::string("1969-12-31T23:59:59Z"), formatDt(-1));
        CPPUNIT_ASSERT_EQUAL(std::string("2038-01-19T03:14:08Z"), formatDt(2147483648LL));
        // Each thread keeps the last second it formatted: a repeat, a change and a return must
        // all come out right, appended after what the string already holds.
        std::string out = "x";
        for (const int64_t seconds : {1546300800LL, 1546300800LL, 1546300801LL, 1546300800LL, 0LL})
            eventbus::appendDt(out, seconds);
        CPPUNIT_ASSERT_EQUAL(std::string("x2019-01-01T00:00:00Z2019-01-01T00:00:00Z2019-01-01T00:00:01Z"
                                         "2019-01-01T00:00:00Z1970-01-01T00:00:00Z"),
                             out);
    }

    void testNowDt() {
        const std::string now = eventbus::nowDt();
        CPPUNIT_ASSERT_MESSAGE(now, std::regex_match(now, kDt));
        CPPUNIT_ASSERT(now >= "2024-01-01T00:00:00Z");
    }

    void testToDtMediaWikiTimestamp() {
        CPPUNIT_ASSERT_EQUAL(std::string("2022-10-19T14:07:32Z"), toDt("20221019140732").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-02-29T00:00:00Z"), toDt("20240229000000").value_or("none"));
        CPPUNIT_ASSERT(!toDt("20230229000000"));  // no 29 February in 2023
        CPPUNIT_ASSERT(!toDt("20221319140732"));  // month 13
        CPPUNIT_ASSERT(!toDt("20221019250732"));  // hour 25
    }

    void testToDtUnixSeconds() {
        CPPUNIT_ASSERT_EQUAL(std::string("2019-01-01T00:00:00Z"), toDt("1546300800").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00Z"), toDt("0").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("1969-12-31T23:59:59Z"), toDt("-1").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2019-01-01T00:00:00Z"), toDt("1546300800.75").value_or("none"));
        CPPUNIT_ASSERT(!toDt("12345678901234567"));
    }

    void testToDtIso8601() {
        CPPUNIT_ASSERT_EQUAL(std::string("2019-01-01T00:00:00Z"), toDt("2019-01-01T00:00:00Z").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2019-01-01T00:00:00Z"), toDt("2019-01-01T00:00:00.123Z").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2019-01-01T00:00:00Z"), toDt("2019-01-01T00:00:00").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2018-12-31T22:00:00Z"), toDt("2019-01-01T00:00:00+02:00").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2019-01-01T05:30:00Z"), toDt("2019-01-01T00:00:00-0530").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2022-10-19T14:07:32Z"), toDt("2022-10-19 14:07:32").value_or("none"));
        CPPUNIT_ASSERT_EQUAL(std::string("2022-10-19T14:07:32Z"), toDt("20221019T140732Z").value_or("none"));
    }

    void testToDtInvalid() {
        CPPUNIT_ASSERT(!toDt(""));
        CPPUNIT_ASSERT(!toDt("yesterday"));
        CPPUNIT_ASSERT(!toDt("2019-13-01T00:00:00Z"));
        CPPUNIT_ASSERT(!toDt("2019-01-01T00:00:00Zjunk"));
        CPPUNIT_ASSERT(!toDt("2019-01-01"));
        CPPUNIT_ASSERT(!toDt("12a4"));
        CPPUNIT_ASSERT(!toDt("-"));
    }

    void testLegacyEnvelope() {
        auto attrs = parse(R"({"database":"enwiki","$schema":"/bogus","meta":{"x":1},"page_id":7})");
        eventbus::LegacyMeta meta;
        meta.uri = "http://my_wiki.org/wiki/MyPage";
        meta.requestId = "fc3a8587259ca5fc085ca830";
        meta.id = "00000000-0000-4000-8000-000000000000";
        meta.domain = "my_wiki.org";
        meta.stream = "mediawiki.page-delete";
        meta.dt = "2022-10-19T14:07:32Z";
        rapidjson::Document out;
        eventbus::legacyEnvelope(out, "/mediawiki/page/delete/1.0.0", meta, attrs);
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"$schema":"/mediawiki/page/delete/1.0.0","meta":{"uri":"http://my_wiki.org/wiki/MyPage",)"
                        R"("request_id":"fc3a8587259ca5fc085ca830","id":"00000000-0000-4000-8000-000000000000",)"
                        R"("domain":"my_wiki.org","stream":"mediawiki.page-delete","dt":"2022-10-19T14:07:32Z"},)"
                        R"("database":"enwiki","page_id":7})"),
            eventbus::json::encode(out));
    }

    void testLegacyEnvelopeFillsIdAndDt() {
        auto attrs = parse("{}");
        eventbus::LegacyMeta meta;
        meta.stream = "s";
        rapidjson::Document out;
        eventbus::legacyEnvelope(out, "/x/1.0.0", meta, attrs);
        const auto& m = out["meta"];
        CPPUNIT_ASSERT_EQUAL(std::string(""), std::string(m["request_id"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string(""), std::string(m["domain"].GetString()));
        CPPUNIT_ASSERT(std::regex_match(std::string(m["id"].GetString()), kUuidV4));
        CPPUNIT_ASSERT(std::regex_match(std::string(m["dt"].GetString()), kDt));
    }

    void testModernEnvelope() {
        auto attrs = parse(R"({"page_change_kind":"edit","dt":"2022-10-19T14:07:32Z"})");
        eventbus::ModernMeta meta;
        meta.stream = "mediawiki.page_change.v1";
        meta.uri = "http://my_wiki.org/wiki/MyPage";
        meta.id = "00000000-0000-4000-8000-000000000000";
        meta.domain = "my_wiki.org";
        meta.dt = "2022-10-19T14:07:33Z";
        meta.requestId = "rid";
        rapidjson::Document out;
        eventbus::modernEnvelope(out, "/mediawiki/page/change/1.1.0", meta, attrs);
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"page_change_kind":"edit","dt":"2022-10-19T14:07:32Z","$schema":"/mediawiki/page/change/1.1.0",)"
                        R"("meta":{"stream":"mediawiki.page_change.v1","uri":"http://my_wiki.org/wiki/MyPage",)"
                        R"("id":"00000000-0000-4000-8000-000000000000","domain":"my_wiki.org",)"
                        R"("dt":"2022-10-19T14:07:33Z","request_id":"rid"}})"),
            eventbus::json::encode(out));
    }

    void testModernEnvelopeOptionalFields() {
        auto attrs = parse(R"({"a":1})");
        eventbus::ModernMeta meta;
        meta.stream = "mediawiki.user_change.v1";
        meta.uri = "u";
        rapidjson::Document out;
        eventbus::modernEnvelope(out, "/s/1.0.0", meta, attrs);
        const auto& m = out["meta"];
        CPPUNIT_ASSERT(!m.HasMember("domain"));
        CPPUNIT_ASSERT(!m.HasMember("request_id"));
        CPPUNIT_ASSERT(std::regex_match(std::string(m["id"].GetString()), kUuidV4));
        CPPUNIT_ASSERT(std::regex_match(std::string(m["dt"].GetString()), kDt));
        auto it = m.MemberBegin();
        CPPUNIT_ASSERT_EQUAL(std::string("stream"), std::string((it++)->name.GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("uri"), std::string((it++)->name.GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("id"), std::string((it++)->name.GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("dt"), std::string((it++)->name.GetString()));
        CPPUNIT_ASSERT(it == m.MemberEnd());
    }

    void testModernEnvelopeOverridesInPlace() {
        auto attrs = parse(R"({"meta":"old","a":1,"$schema":"old"})");
        eventbus::ModernMeta meta;
        meta.stream = "s";
        meta.uri = "u";
        meta.id = "i";
        meta.dt = "d";
        rapidjson::Document out;
        eventbus::modernEnvelope(out, "/new", meta, attrs);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"meta":{"stream":"s","uri":"u","id":"i","dt":"d"},"a":1,"$schema":"/new"})"),
                             eventbus::json::encode(out));
    }

    void testEnsureIdAndDt() {
        auto event = parse(R"({"$schema":"/x","meta":{"stream":"s"},"v":1})");
        const std::string id = eventbus::ensureIdAndDt(event);
        CPPUNIT_ASSERT(std::regex_match(id, kUuidV4));
        const auto& m = event["meta"];
        auto it = m.MemberBegin();
        CPPUNIT_ASSERT_EQUAL(std::string("stream"), std::string((it++)->name.GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("id"), std::string((it++)->name.GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("dt"), std::string((it++)->name.GetString()));
        CPPUNIT_ASSERT_EQUAL(id, std::string(m["id"].GetString()));

        auto bare = parse(R"({"v":1})");
        const std::string bareId = eventbus::ensureIdAndDt(bare);
        CPPUNIT_ASSERT(std::regex_match(bareId, kUuidV4));
        CPPUNIT_ASSERT(bare["meta"].HasMember("dt"));
    }

    void testEnsureIdAndDtKeepsExisting() {
        auto event = parse(R"({"meta":{"id":"given","dt":"2019-01-01T00:00:00Z","stream":"s"}})");
        CPPUNIT_ASSERT_EQUAL(std::string("given"), eventbus::ensureIdAndDt(event));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"meta":{"id":"given","dt":"2019-01-01T00:00:00Z","stream":"s"}})"),
                             eventbus::json::encode(event));
    }

    void testRequestIds() {
        const std::regex hex24("^[0-9a-f]{24}$");
        std::set<std::string> seen;
        for (int i = 0; i < 1000; ++i) {
            std::string id = eventbus::newRequestId();
            CPPUNIT_ASSERT_MESSAGE(id, std::regex_match(id, hex24));
            seen.insert(id);
        }
        CPPUNIT_ASSERT_EQUAL(size_t(1000), seen.size());
        CPPUNIT_ASSERT_EQUAL(std::string("fc3a8587259ca5fc085ca830"), eventbus::requestIdFrom("fc3a8587259ca5fc085ca830"));
        CPPUNIT_ASSERT(std::regex_match(eventbus::requestIdFrom(""), hex24));
        CPPUNIT_ASSERT(std::regex_match(eventbus::requestIdFrom("has space"), hex24));
        CPPUNIT_ASSERT(std::regex_match(eventbus::requestIdFrom(std::string(201, 'a')), hex24));
        CPPUNIT_ASSERT_EQUAL(std::string(200, 'a'), eventbus::requestIdFrom(std::string(200, 'a')));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EnvelopeTest);
