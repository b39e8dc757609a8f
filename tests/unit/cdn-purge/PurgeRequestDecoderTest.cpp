#include "PurgeRequestDecoder.h"

#include "integration/feeds/EventFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

#include <strings.h>

using eventbus::cdnpurge::PurgeRequestDecoder;

class PurgeRequestDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PurgeRequestDecoderTest);
    CPPUNIT_TEST(testHtcpSpecExample);
    CPPUNIT_TEST(testAbsoluteFormPurge);
    CPPUNIT_TEST(testOriginFormPurgeWithHost);
    CPPUNIT_TEST(testConfiguredDomainAndStream);
    CPPUNIT_TEST(testUrlIsEscapedAsJson);
    CPPUNIT_TEST(testHostOf);
    CPPUNIT_TEST(testBadHtcp);
    CPPUNIT_TEST(testBadUrls);
    CPPUNIT_TEST(testBadRequests);
    CPPUNIT_TEST(testEventsPassSchemaValidation);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHtcpSpecExample() {
        const auto r = decoder().decodeHtcp(EventFixtures::read("cdn-purge/clr-foo.htcp"));
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        EventFixtures::assertEvent(
            R"({"$schema":"/resource_change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Foo","id":"@ID@","domain":"en.wikipedia.org","stream":"resource-purge","dt":"@DT@"},"tags":["mediawiki"]})",
            r.json);
        CPPUNIT_ASSERT(r.json.find(r.id) != std::string::npos);
    }

    void testAbsoluteFormPurge() {
        const auto r = decodeRequestFixture("cdn-purge/purge-absolute.http");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        EventFixtures::assertEvent(
            R"({"$schema":"/resource_change/1.0.0","meta":{"uri":"http://en.wikipedia.org/wiki/Foo","id":"@ID@","domain":"en.wikipedia.org","stream":"resource-purge","dt":"@DT@"},"tags":["mediawiki"]})",
            r.json);
    }

    void testOriginFormPurgeWithHost() {
        const auto r = decodeRequestFixture("cdn-purge/purge-origin-form.http");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        EventFixtures::assertEvent(
            R"({"$schema":"/resource_change/1.0.0","meta":{"uri":"http://en.wikipedia.org/w/index.php?title=Foo&action=history","id":"@ID@","domain":"en.wikipedia.org","stream":"resource-purge","dt":"@DT@"},"tags":["mediawiki"]})",
            r.json);
    }

    void testConfiguredDomainAndStream() {
        PurgeRequestDecoder configured("test-resource-purge", "en.wikipedia.org");
        const auto r = configured.decodeRequest("PURGE", "http://upload.example.org:8080/a/b.png", "");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("test-resource-purge"), configured.stream());
        EventFixtures::assertEvent(
            R"({"$schema":"/resource_change/1.0.0","meta":{"uri":"http://upload.example.org:8080/a/b.png","id":"@ID@","domain":"en.wikipedia.org","stream":"test-resource-purge","dt":"@DT@"},"tags":["mediawiki"]})",
            r.json);
    }

    void testUrlIsEscapedAsJson() {
        const auto r = decoder().decodeRequest("PURGE", "https://w.example/wiki/\"Caf\xC3\xA9\"\\", "");
        CPPUNIT_ASSERT_MESSAGE(r.message, r.ok());
        EventFixtures::assertEvent(
            "{\"$schema\":\"/resource_change/1.0.0\",\"meta\":{\"uri\":\"https://w.example/wiki/\\\"Caf\xC3\xA9\\\"\\\\\","
            "\"id\":\"@ID@\",\"domain\":\"w.example\",\"stream\":\"resource-purge\",\"dt\":\"@DT@\"},\"tags\":[\"mediawiki\"]}",
            r.json);
    }

    void testHostOf() {
        CPPUNIT_ASSERT_EQUAL(std::string("en.wikipedia.org"), host("https://en.wikipedia.org/wiki/Foo"));
        CPPUNIT_ASSERT_EQUAL(std::string("en.wikipedia.org"), host("HTTP://en.wikipedia.org"));
        CPPUNIT_ASSERT_EQUAL(std::string("h.example"), host("http://user:pw@h.example:8080/x?y#z"));
        CPPUNIT_ASSERT_EQUAL(std::string("h.example"), host("http://h.example?x=/"));
        CPPUNIT_ASSERT_EQUAL(std::string("[::1]"), host("http://[::1]:8080/"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), host("http:///path"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), host("ftp://h.example/"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), host("http://[::1"));
    }

    void testBadHtcp() {
        const std::string good = EventFixtures::read("cdn-purge/clr-foo.htcp");
        assertRejected("truncated_htcp", decoder().decodeHtcp(good.substr(0, 40)));
        assertRejected("truncated_htcp", decoder().decodeHtcp(""));
        std::string nop = good;
        nop[6] = '\0';
        assertRejected("not_htcp_clr", decoder().decodeHtcp(nop));
        assertRejected("oversized", decoder().decodeHtcp(std::string(70000, '\x04')));
        std::string emptyUrl = good.substr(0, 20) + std::string("\0\0\0\x08HTTP/1.0\0\0\0\x02", 14);
        emptyUrl[0] = '\0';
        emptyUrl[1] = static_cast<char>(emptyUrl.size());
        emptyUrl[20] = emptyUrl[21] = '\0';
        assertRejected("invalid_url", decoder().decodeHtcp(emptyUrl));
    }

    void testBadUrls() {
        for (const std::string& url : std::vector<std::string>{"", "*", "ftp://h.example/x", "http://", "http:///x", "https://h.example/a b",
              "https://h.example/\t", "https://h.example/\x7F", "https://h.example/\xFF\xFE",
              "https://h.example/" + std::string(8200, 'x'), "javascript:alert(1)"}) {
            assertRejected("invalid_url", decoder().decodeRequest("PURGE", url, "h.example"));
        }
    }

    void testBadRequests() {
        assertRejected("not_purge", decoder().decodeRequest("GET", "http://h.example/", ""));
        assertRejected("not_purge", decoder().decodeRequest("purge", "http://h.example/", ""));
        assertRejected("invalid_url", decoder().decodeRequest("PURGE", "/wiki/Foo", ""));
        assertRejected("invalid_url", decoder().decodeRequest("PURGE", "/wiki/Foo", "bad host"));
    }

    void testEventsPassSchemaValidation() {
        std::vector<std::string> events;
        events.push_back(decoder().decodeHtcp(EventFixtures::read("cdn-purge/clr-foo.htcp")).json);
        events.push_back(decodeRequestFixture("cdn-purge/purge-absolute.http").json);
        events.push_back(decodeRequestFixture("cdn-purge/purge-origin-form.http").json);
        for (const auto& e : events) CPPUNIT_ASSERT(!e.empty());
        EventFixtures::assertValid(events);
    }

private:
    static PurgeRequestDecoder decoder() { return PurgeRequestDecoder("resource-purge", ""); }

    static std::string host(const std::string& url) { return std::string(PurgeRequestDecoder::hostOf(url)); }

    /// Splits a raw request fixture into what the host hands the plugin: method, target, Host header.
    static PurgeRequestDecoder::Result decodeRequestFixture(const std::string& name) {
        const std::string request = EventFixtures::read(name);
        const size_t lineEnd = request.find("\r\n");
        const std::string line = request.substr(0, lineEnd);
        const size_t sp1 = line.find(' ');
        const size_t sp2 = line.rfind(' ');
        CPPUNIT_ASSERT(sp1 != std::string::npos && sp2 > sp1);
        std::string hostHeader;
        for (size_t pos = lineEnd + 2; pos < request.size();) {
            const size_t end = request.find("\r\n", pos);
            const std::string header = request.substr(pos, end - pos);
            if (strncasecmp(header.c_str(), "host:", 5) == 0) hostHeader = header.substr(header.find_first_not_of(' ', 5));
            pos = end + 2;
        }
        return decoder().decodeRequest(line.substr(0, sp1), line.substr(sp1 + 1, sp2 - sp1 - 1), hostHeader);
    }

    static void assertRejected(const std::string& reason, const PurgeRequestDecoder::Result& r) {
        CPPUNIT_ASSERT_MESSAGE("accepted: " + r.json, !r.ok());
        CPPUNIT_ASSERT_EQUAL_MESSAGE(r.message, reason, std::string(r.reason));
        CPPUNIT_ASSERT(!r.message.empty());
        CPPUNIT_ASSERT(r.json.empty() && r.id.empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PurgeRequestDecoderTest);
