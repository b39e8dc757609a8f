// The jobqueue module as the host loads it (through FakeHost): its keys and route, the request id
// taken from X-Request-Id, the 201/400 answers, and events the job runner accepts as signed.
#include "JobRunner.h"

#include "eventbus/FakeHost.hpp"

#include <rapidjson/document.h>

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <memory>

using eventbus::testing::FakeHost;
using eventbus::testing::InputContext;
using eventbus::testing::PluginLibrary;

namespace {

std::map<std::string, std::string> config() {
    return {{"secret", "plugin-secret"}, {"server_name", "fallback.org"}, {"wiki_domains", " enwiki=en.wikipedia.org , dewiki=de.wikipedia.org"}};
}

std::string modulePath() {
    const char* build = std::getenv("EVENTBUS_BUILD_DIR");
    CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is not set (run through ctest)", build != nullptr);
    return std::string(build) + "/plugins/jobqueue.so";
}

InputContext post(std::vector<std::pair<std::string, std::string>> headers = {}) {
    InputContext c;
    c.method = "POST";
    c.uri = "/eventbus/v0/jobs";
    c.contentType = "application/json";
    c.headers = std::move(headers);
    return c;
}

std::string member(const std::string& json, const char* object, const char* name) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    CPPUNIT_ASSERT_MESSAGE(json, d.IsObject());
    const rapidjson::Value& parent = object ? d[object] : d;
    CPPUNIT_ASSERT_MESSAGE(json, parent.HasMember(name) && parent[name].IsString());
    return parent[name].GetString();
}

} // namespace

class JobQueuePluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JobQueuePluginTest);
    CPPUNIT_TEST(testKeysAndRoute);
    CPPUNIT_TEST(testRequiredKeysAndBadDomains);
    CPPUNIT_TEST(testJobsAreSignedForTheJobRunner);
    CPPUNIT_TEST(testRequestIdHeader);
    CPPUNIT_TEST(testBadJobIsAnswered400);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<PluginLibrary> _library;

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(modulePath()); }
    void tearDown() override { _library.reset(); }

    void testKeysAndRoute() {
        FakeHost host(_library->descriptor(), config());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("jobqueue"), std::string(host.descriptor().name));
        const auto* jobs = host.listener("jobs");
        CPPUNIT_ASSERT(jobs != nullptr);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_HTTP), jobs->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("/eventbus/v0/jobs"), jobs->route);
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), jobs->methods);
        CPPUNIT_ASSERT_EQUAL(size_t(4194304), jobs->maxMessageBytes);
    }

    void testRequiredKeysAndBadDomains() {
        auto noSecret = config();
        noSecret.erase("secret");
        FakeHost a(_library->descriptor(), noSecret);
        CPPUNIT_ASSERT(!a.start());
        CPPUNIT_ASSERT_MESSAGE(a.error(), a.error().find("secret") != std::string::npos);
        auto badDomains = config();
        badDomains["wiki_domains"] = "enwiki";
        FakeHost b(_library->descriptor(), badDomains);
        CPPUNIT_ASSERT(!b.start());
        CPPUNIT_ASSERT_MESSAGE(b.error(), b.error().find("wiki_domains") != std::string::npos);
    }

    void testJobsAreSignedForTheJobRunner() {
        FakeHost host(_library->descriptor(), config());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        auto out = host.decode("jobs", R"([{"type":"a","database":"dewiki","params":{"x":1}},)"
                                       R"({"type":"b","database":"enwiki","removeDuplicates":true,"params":{}}])",
                               post());
        CPPUNIT_ASSERT_MESSAGE(out.message, out.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(2), out.events.size());
        CPPUNIT_ASSERT_EQUAL(201, out.http.status);
        CPPUNIT_ASSERT_EQUAL("{\"ids\":[\"" + out.events[0].id + "\",\"" + out.events[1].id + "\"]}", out.http.body);
        for (const auto& e : out.events) {
            CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_JOB), e.type);
            rapidjson::Document d;
            d.Parse(e.json.c_str());
            CPPUNIT_ASSERT_MESSAGE(e.json, eventbus::JobRunner::signatureMatches(d, "plugin-secret"));
            CPPUNIT_ASSERT(!eventbus::JobRunner::signatureMatches(d, "other-secret"));
            CPPUNIT_ASSERT_EQUAL(e.id, member(e.json, "meta", "id"));
            CPPUNIT_ASSERT_EQUAL(e.stream, member(e.json, "meta", "stream"));
        }
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.job.a"), out.events[0].stream);
        CPPUNIT_ASSERT_EQUAL(std::string("de.wikipedia.org"), member(out.events[0].json, "meta", "domain"));
        CPPUNIT_ASSERT_EQUAL(std::string("en.wikipedia.org"), member(out.events[1].json, "meta", "domain"));
    }

    void testRequestIdHeader() {
        FakeHost host(_library->descriptor(), config());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const std::string job = R"({"type":"a","database":"xwiki"})";
        auto out = host.decode("jobs", job, post({{"x-request-id", "from-header-1"}}));
        CPPUNIT_ASSERT_MESSAGE(out.message, out.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("from-header-1"), member(out.events[0].json, "meta", "request_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("fallback.org"), member(out.events[0].json, "meta", "domain"));
        out = host.decode("jobs", job, post());
        const std::string generated = member(out.events[0].json, "meta", "request_id");
        CPPUNIT_ASSERT_EQUAL(size_t(24), generated.size());
        CPPUNIT_ASSERT(generated.find_first_not_of("0123456789abcdef") == std::string::npos);
    }

    void testBadJobIsAnswered400() {
        FakeHost host(_library->descriptor(), config());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        auto out = host.decode("jobs", R"([{"type":"a","database":"enwiki"},{"type":"b"}])", post());
        CPPUNIT_ASSERT(out.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_job"), out.reason);
        CPPUNIT_ASSERT_EQUAL(400, out.http.status);
        CPPUNIT_ASSERT_MESSAGE(out.http.body, out.http.body.find("job 1: 'database' is missing") != std::string::npos);
        CPPUNIT_ASSERT(out.events.empty());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JobQueuePluginTest);
