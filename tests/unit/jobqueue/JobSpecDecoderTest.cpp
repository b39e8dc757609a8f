#include "JobSpecDecoder.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace eventbus::jobqueue;

namespace {

const std::string kDt = "2024-07-01T12:00:05Z";

JobRequestContext contextWithIds(std::vector<std::string> ids, std::string requestId = "req-from-context") {
    auto shared = std::make_shared<std::vector<std::string>>(std::move(ids));
    auto next = std::make_shared<size_t>(0);
    JobRequestContext c;
    c.requestId = std::move(requestId);
    c.dt = kDt;
    c.newId = [shared, next]() { return (*shared)[(*next)++ % shared->size()]; };
    return c;
}

JobSpecDecoder decoderWith(const std::string& secret) {
    JobQueueSettings s;
    s.secret = secret;
    s.serverName = "fallback.example.org";
    s.wikiDomains = {{"enwiki", "en.wikipedia.org"}};
    return JobSpecDecoder(s);
}

// The event as MediaWiki signed it: without meta.dt and without the signature itself.
std::string signedPart(const std::string& json, std::string* signature = nullptr) {
    std::string s = json;
    const std::string dt = ",\"dt\":\"" + kDt + "\"";
    const auto at = s.find(dt);
    CPPUNIT_ASSERT_MESSAGE(json, at != std::string::npos);
    s.erase(at, dt.size());
    const std::string sigKey = ",\"mediawiki_signature\":\"";
    const auto sig = s.rfind(sigKey);
    CPPUNIT_ASSERT_MESSAGE(json, sig != std::string::npos && s.size() == sig + sigKey.size() + 40 + 2);
    if (signature) *signature = s.substr(sig + sigKey.size(), 40);
    return s.substr(0, sig) + "}";
}

} // namespace

class JobSpecDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JobSpecDecoderTest);
    CPPUNIT_TEST(testSpecWorkedExampleDeletePage);
    CPPUNIT_TEST(testHtmlCacheUpdateExample);
    CPPUNIT_TEST(testDelayedCdnPurgeExample);
    CPPUNIT_TEST(testMetaDtIsAddedAfterSigningAtTheEndOfMeta);
    CPPUNIT_TEST(testShorthandsGoIntoParams);
    CPPUNIT_TEST(testLargeParamsAreKeptWhole);
    CPPUNIT_TEST(testNestingLimitAppliesToTheWholeBody);
    CPPUNIT_TEST(testRequestIdFallsBackToContext);
    CPPUNIT_TEST(testDeduplicationWithinBatchAndStream);
    CPPUNIT_TEST(testEmptyParamsBecomeAnObject);
    CPPUNIT_TEST(testKsortOrder);
    CPPUNIT_TEST(testIgnoredParams);
    CPPUNIT_TEST(testRejectsNamingTheJob);
    CPPUNIT_TEST(testEventsPassTheValidator);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSpecWorkedExampleDeletePage() {
        rapidjson::Document params;
        params.Parse(R"({"namespace":0,"title":"Main_Page","requestId":"fc3a8587259ca5fc085ca830"})");
        const std::string dedup = JobSpecDecoder::deduplicationInfo("deletePage", params, {});
        CPPUNIT_ASSERT_EQUAL(std::string("a:2:{s:4:\"type\";s:10:\"deletePage\";s:6:\"params\";a:2:{s:9:\"namespace\";"
                                         "i:0;s:5:\"title\";s:9:\"Main_Page\";}}"),
                             dedup);
        CPPUNIT_ASSERT_EQUAL(std::string("4bcf3f232a59099efbce29285ca03b69e94b93c7"), Sha1Digest("").sha1Hex(dedup));

        auto result = decoderWith("secret").decode(
            R"({"type":"deletePage","database":"enwiki","removeDuplicates":true,)"
            R"("params":{"namespace":0,"title":"Main_Page","requestId":"fc3a8587259ca5fc085ca830"}})",
            contextWithIds({"b14a2ee4-f5df-40f3-b995-ce6c954e29e3"}));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), result.events.size());
        const auto& e = result.events[0];
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.job.deletePage"), e.stream);
        CPPUNIT_ASSERT_EQUAL(std::string("b14a2ee4-f5df-40f3-b995-ce6c954e29e3"), e.id);
        const std::string expectedSigned =
            R"({"$schema":"/mediawiki/job/1.0.0","meta":{"uri":"https://placeholder.invalid/wiki/Special:Badtitle",)"
            R"("request_id":"fc3a8587259ca5fc085ca830","id":"b14a2ee4-f5df-40f3-b995-ce6c954e29e3",)"
            R"("domain":"en.wikipedia.org","stream":"mediawiki.job.deletePage"},"database":"enwiki",)"
            R"("type":"deletePage","sha1":"4bcf3f232a59099efbce29285ca03b69e94b93c7",)"
            R"("params":{"namespace":0,"title":"Main_Page","requestId":"fc3a8587259ca5fc085ca830"}})";
        CPPUNIT_ASSERT_EQUAL(size_t(423), expectedSigned.size());
        std::string signature;
        CPPUNIT_ASSERT_EQUAL(expectedSigned, signedPart(e.json, &signature));
        CPPUNIT_ASSERT_EQUAL(std::string("93445372feb827956dfdc609c1188c61281a7182"), signature);
        CPPUNIT_ASSERT_EQUAL(signature, Sha1Digest("secret").hmacHex(expectedSigned));
    }

    void testHtmlCacheUpdateExample() {
        auto result = decoderWith("example-secret-key")
                          .decode(R"({"type":"htmlCacheUpdate","database":"enwiki","removeDuplicates":true,"params":{)"
                                  R"("table":"templatelinks","recursive":true,"rootJobIsSelf":true,)"
                                  R"("rootJobSignature":"1eb18abfaf70c618d127f7b787c19fa8d4cb2012",)"
                                  R"("rootJobTimestamp":"20240701120000","causeAction":"page-edit",)"
                                  R"("causeAgent":"ExampleUser","namespace":10,"title":"Infobox",)"
                                  R"("requestId":"f3b0c1d2-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}})",
                                  contextWithIds({"8d2c4f9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f"}));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        const std::string expected =
            R"({"$schema":"/mediawiki/job/1.0.0","meta":{"uri":"https://placeholder.invalid/wiki/Special:Badtitle",)"
            R"("request_id":"f3b0c1d2-5e6f-4a7b-8c9d-0e1f2a3b4c5d","id":"8d2c4f9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f",)"
            R"("domain":"en.wikipedia.org","stream":"mediawiki.job.htmlCacheUpdate"},"database":"enwiki",)"
            R"("type":"htmlCacheUpdate","sha1":"0bcb70a0ef0b3eb36620d5039d4349bcc0f49ad4","root_event":{)"
            R"("signature":"1eb18abfaf70c618d127f7b787c19fa8d4cb2012","dt":"2024-07-01T12:00:00Z"},"params":{)"
            R"("table":"templatelinks","recursive":true,"rootJobIsSelf":true,)"
            R"("rootJobSignature":"1eb18abfaf70c618d127f7b787c19fa8d4cb2012","rootJobTimestamp":"20240701120000",)"
            R"("causeAction":"page-edit","causeAgent":"ExampleUser","namespace":10,"title":"Infobox",)"
            R"("requestId":"f3b0c1d2-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}})";
        std::string signature;
        CPPUNIT_ASSERT_EQUAL(expected, signedPart(result.events[0].json, &signature));
        CPPUNIT_ASSERT_EQUAL(std::string("f1e2712a05e321c693983c4b68cef61daee72e38"), signature);
    }

    void testDelayedCdnPurgeExample() {
        auto result = decoderWith("example-secret-key")
                          .decode(R"({"type":"cdnPurge","database":"enwiki","params":{"urls":[)"
                                  R"("https://en.wikipedia.org/wiki/Foo","https://en.wikipedia.org/w/index.php?title=Foo&action=history"],)"
                                  R"("jobReleaseTimestamp":1719835211,"requestId":"a1b2c3d4-e5f6-4a1b-9c2d-3e4f5a6b7c8d"}})",
                                  contextWithIds({"0c9b8a7d-6e5f-4d3c-8b2a-1f0e9d8c7b6a"}));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        const std::string expected =
            R"({"$schema":"/mediawiki/job/1.0.0","meta":{"uri":"https://placeholder.invalid/wiki/Special:Badtitle",)"
            R"("request_id":"a1b2c3d4-e5f6-4a1b-9c2d-3e4f5a6b7c8d","id":"0c9b8a7d-6e5f-4d3c-8b2a-1f0e9d8c7b6a",)"
            R"("domain":"en.wikipedia.org","stream":"mediawiki.job.cdnPurge"},"database":"enwiki","type":"cdnPurge",)"
            R"("delay_until":"2024-07-01T12:00:11Z","params":{"urls":["https://en.wikipedia.org/wiki/Foo",)"
            R"("https://en.wikipedia.org/w/index.php?title=Foo&action=history"],"jobReleaseTimestamp":1719835211,)"
            R"("requestId":"a1b2c3d4-e5f6-4a1b-9c2d-3e4f5a6b7c8d"}})";
        std::string signature;
        CPPUNIT_ASSERT_EQUAL(expected, signedPart(result.events[0].json, &signature));
        CPPUNIT_ASSERT_EQUAL(std::string("4b899a25f6c34545d9de6b613663bf49bbfe370b"), signature);
    }

    void testMetaDtIsAddedAfterSigningAtTheEndOfMeta() {
        auto result = decoderWith("s").decode(R"({"type":"t","database":"enwiki","params":{"a":1}})",
                                              contextWithIds({"id-1"}));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        const std::string& json = result.events[0].json;
        CPPUNIT_ASSERT(json.find(R"("stream":"mediawiki.job.t","dt":")" + kDt + R"("},"database")") !=
                       std::string::npos);
        std::string signature;
        const std::string signedText = signedPart(json, &signature);
        CPPUNIT_ASSERT_EQUAL(Sha1Digest("s").hmacHex(signedText), signature);
        CPPUNIT_ASSERT(json.find("\"sha1\"") == std::string::npos);
        CPPUNIT_ASSERT(json.find("\"root_event\"") == std::string::npos);
        CPPUNIT_ASSERT(json.find("\"delay_until\"") == std::string::npos);
    }

    void testShorthandsGoIntoParams() {
        auto result = decoderWith("s").decode(
            R"({"type":"t","database":"enwiki","params":{"a":1},"releaseTimestamp":1719835211,)"
            R"("rootJobSignature":"abc","rootJobTimestamp":"20240701120000"})",
            contextWithIds({"id-1"}));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        const std::string& json = result.events[0].json;
        CPPUNIT_ASSERT(json.find(R"("delay_until":"2024-07-01T12:00:11Z")") != std::string::npos);
        CPPUNIT_ASSERT(json.find(R"("root_event":{"signature":"abc","dt":"2024-07-01T12:00:00Z"})") != std::string::npos);
        CPPUNIT_ASSERT(json.find(R"("params":{"a":1,"rootJobSignature":"abc","rootJobTimestamp":"20240701120000",)"
                                 R"("jobReleaseTimestamp":1719835211})") != std::string::npos);

        auto contradiction = decoderWith("s").decode(
            R"({"type":"t","database":"enwiki","params":{"rootJobSignature":"x"},"rootJobSignature":"y"})",
            contextWithIds({"id-1"}));
        CPPUNIT_ASSERT(!contradiction.ok());
        CPPUNIT_ASSERT(contradiction.error.find("rootJobSignature") != std::string::npos);
    }

    // Params far larger than the decoder's stack buffer for the event's document: every member
    // is in the event, in order, and the signature covers them.
    void testLargeParamsAreKeptWhole() {
        std::string params = "{";
        for (int i = 0; i < 600; ++i)
            params += (i ? ",\"p" : "\"p") + std::to_string(i) + "\":\"" + std::string(40, 'a' + i % 26) + "\"";
        params += "}";
        auto result = decoderWith("s").decode(R"({"type":"t","database":"enwiki","params":)" + params + "}",
                                              contextWithIds({"id-1"}));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        const std::string& json = result.events[0].json;
        CPPUNIT_ASSERT(json.find(R"("params":)" + params + R"(,"mediawiki_signature")") != std::string::npos);
        std::string signature;
        const std::string signedText = signedPart(json, &signature);
        CPPUNIT_ASSERT_EQUAL(Sha1Digest("s").hmacHex(signedText), signature);
    }

    // 64 levels in all are a job; 65 are too deep, also when the body is malformed before or
    // after the deep part.
    void testNestingLimitAppliesToTheWholeBody() {
        const auto decoder = decoderWith("s");
        auto withParamsDepth = [](size_t arrays) {
            return R"({"type":"t","database":"enwiki","params":{"a":)" + std::string(arrays, '[') +
                   std::string(arrays, ']') + "}}";
        };
        auto ok = decoder.decode(withParamsDepth(62), contextWithIds({"i"}));
        CPPUNIT_ASSERT_MESSAGE(ok.error, ok.ok());
        CPPUNIT_ASSERT(ok.events[0].json.find(std::string(62, '[') + std::string(62, ']')) != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"), decoder.decode(withParamsDepth(63), contextWithIds({"i"})).reason);
        const std::string deep = std::string(65, '[') + std::string(65, ']');
        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"),
                             decoder.decode(R"([{"type":x},)" + deep + "]", contextWithIds({"i"})).reason);
        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"), decoder.decode(std::string(65, '[') + "x", contextWithIds({"i"})).reason);
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"),
                             decoder.decode(std::string(64, '[') + "x", contextWithIds({"i"})).reason);
    }

    void testRequestIdFallsBackToContext() {
        auto result = decoderWith("s").decode(R"({"type":"t","database":"dewiki","params":{}})",
                                              contextWithIds({"id-1"}, "0123456789abcdef01234567"));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        const std::string& json = result.events[0].json;
        CPPUNIT_ASSERT(json.find(R"("request_id":"0123456789abcdef01234567")") != std::string::npos);
        // dewiki has no wiki_domains entry: ServerName.
        CPPUNIT_ASSERT(json.find(R"("domain":"fallback.example.org")") != std::string::npos);
    }

    void testDeduplicationWithinBatchAndStream() {
        auto result = decoderWith("s").decode(
            R"([{"type":"a","database":"enwiki","removeDuplicates":true,"params":{"k":1,"requestId":"r1"}},)"
            R"({"type":"b","database":"enwiki","params":{"k":1}},)"
            R"({"type":"a","database":"enwiki","params":{"k":2}},)"
            R"({"type":"a","database":"enwiki","removeDuplicates":true,"params":{"k":1,"requestId":"r2"}}])",
            contextWithIds({"id-1", "id-2", "id-3", "id-4"}));
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(3), result.events.size());
        // Stream a first (first appearance), the duplicate's later value in the first slot.
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.job.a"), result.events[0].stream);
        CPPUNIT_ASSERT_EQUAL(std::string("id-4"), result.events[0].id);
        CPPUNIT_ASSERT(result.events[0].json.find(R"("request_id":"r2")") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("id-3"), result.events[1].id);
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.job.b"), result.events[2].stream);
        CPPUNIT_ASSERT_EQUAL(std::string("id-2"), result.events[2].id);
    }

    void testEmptyParamsBecomeAnObject() {
        for (const char* params : {"[]", "{}"}) {
            auto result = decoderWith("s").decode(
                std::string(R"({"type":"t","database":"enwiki","params":)") + params + "}", contextWithIds({"i"}));
            CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
            CPPUNIT_ASSERT(result.events[0].json.find(R"("params":{},"mediawiki_signature")") != std::string::npos);
        }
        auto missing = decoderWith("s").decode(R"({"type":"t","database":"enwiki"})", contextWithIds({"i"}));
        CPPUNIT_ASSERT(missing.ok());
        CPPUNIT_ASSERT(missing.events[0].json.find(R"("params":{})") != std::string::npos);
    }

    void testKsortOrder() {
        rapidjson::Document params;
        params.Parse(R"({"title":"x","10":1,"9":2,"b":3,"1.5":4,"A":5})");
        CPPUNIT_ASSERT_EQUAL(std::string("a:2:{s:4:\"type\";s:1:\"t\";s:6:\"params\";a:6:{s:3:\"1.5\";i:4;i:9;i:2;"
                                         "i:10;i:1;s:1:\"A\";i:5;s:1:\"b\";i:3;s:5:\"title\";s:1:\"x\";}}"),
                             JobSpecDecoder::deduplicationInfo("t", params, {}));
        CPPUNIT_ASSERT(JobSpecDecoder::phpKeyLess("9", "10"));
        CPPUNIT_ASSERT(JobSpecDecoder::phpKeyLess("10", "9a"));
        CPPUNIT_ASSERT(!JobSpecDecoder::phpKeyLess("b", "B"));
    }

    void testIgnoredParams() {
        rapidjson::Document params;
        params.Parse(R"({"b":1,"a":2,"rootJobTimestamp":"20240701120000","jobReleaseTimestamp":5,"requestId":"r"})");
        CPPUNIT_ASSERT_EQUAL(std::string("a:2:{s:4:\"type\";s:1:\"t\";s:6:\"params\";a:1:{s:1:\"a\";i:2;}}"),
                             JobSpecDecoder::deduplicationInfo("t", params, {"b"}));
    }

    void testRejectsNamingTheJob() {
        const auto decoder = decoderWith("s");
        struct Case {
            const char* body;
            const char* expected;
        } cases[] = {
            {"not json", "body is not valid JSON"},
            {"[]", "no job specification"},
            {"[{\"type\":\"t\",\"database\":\"enwiki\"},42]", "job 1: a job specification must be a JSON object"},
            {"{\"database\":\"enwiki\"}", "job 0: 'type' must be a non-empty string"},
            {"[{\"type\":\"t\",\"database\":\"enwiki\"},{\"type\":\"\"}]", "job 1: 'type'"},
            {"{\"type\":\"t\"}", "job 0: 'database' is missing"},
            {"{\"type\":\"t\",\"database\":\"enwiki\",\"params\":[1]}", "job 0: 'params' must be a JSON object"},
            {"{\"type\":\"t\",\"database\":\"enwiki\",\"paramz\":{}}", "job 0: unknown field 'paramz'"},
            {"{\"type\":\"t\",\"database\":\"enwiki\",\"removeDuplicates\":1}", "'removeDuplicates' must be"},
            {"{\"type\":\"t\",\"database\":\"enwiki\",\"params\":{\"jobReleaseTimestamp\":\"soon\"}}",
             "jobReleaseTimestamp is not a timestamp"},
            {"{\"type\":\"t\",\"database\":\"enwiki\",\"params\":{\"rootJobSignature\":\"a\",\"rootJobTimestamp\":\"x\"}}",
             "rootJobTimestamp is not a timestamp"},
            {"{\"type\":\"t\",\"database\":\"enwiki\",\"params\":{\"requestId\":5}}", "requestId must be a string"},
            {"{\"type\":\"t\",\"database\":\"enwiki\",\"params\":{\"x\":\"\xff\"}}", "body is not valid JSON"},
        };
        for (const auto& c : cases) {
            auto result = decoder.decode(c.body, contextWithIds({"i"}));
            CPPUNIT_ASSERT_MESSAGE(c.body, !result.ok());
            CPPUNIT_ASSERT_MESSAGE(result.error, result.error.find(c.expected) != std::string::npos);
            CPPUNIT_ASSERT_MESSAGE(c.body, result.events.empty());
            CPPUNIT_ASSERT_MESSAGE(c.body, !result.reason.empty());
        }
    }

    void testEventsPassTheValidator() {
        const char* shared = std::getenv("EVENTBUS_SHARED_DIR");
        const std::string tool = std::string(shared ? shared : "") + "/tools/validate-events";
        if (!shared || access(tool.c_str(), X_OK) != 0) {
            std::cout << "\nSKIPPED: validate-events not found (EVENTBUS_SHARED_DIR unset or ../shared absent)\n";
            return;
        }
        JobRequestContext context;
        context.requestId = "0123456789abcdef01234567";
        context.dt = kDt;
        auto result = decoderWith("s").decode(
            R"([{"type":"deletePage","database":"enwiki","removeDuplicates":true,"params":{"namespace":0,"title":"A"}},)"
            R"({"type":"cdnPurge","database":"enwiki","params":{"urls":["https://x/"],"jobReleaseTimestamp":1719835211}},)"
            R"({"type":"htmlCacheUpdate","database":"enwiki","params":[],)"
            R"("rootJobSignature":"abc","rootJobTimestamp":"20240701120000"}])",
            context);
        CPPUNIT_ASSERT_MESSAGE(result.error, result.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(3), result.events.size());
        char path[] = "/tmp/jobqueue-events-XXXXXX";
        const int fd = mkstemp(path);
        CPPUNIT_ASSERT(fd >= 0);
        close(fd);
        {
            std::ofstream out(path);
            for (const auto& e : result.events) out << e.json << "\n";
        }
        const int status = std::system((tool + " " + path + " > /dev/null").c_str());
        std::remove(path);
        CPPUNIT_ASSERT_EQUAL(0, WEXITSTATUS(status));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JobSpecDecoderTest);
