// Deeply nested JSON is refused by every decoder that parses outside bytes into a DOM, and the
// SDK's check ignores brackets inside strings.
#include "CampaignChangeDecoder.h"
#include "ExecLineDecoder.h"
#include "JobRunner.h"
#include "JobSpecDecoder.h"
#include "MonologRecordDecoder.h"
#include "RcFeedDecoder.h"

#include "eventbus/PhpJson.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace eventbus;

namespace {

/// A body that nests n arrays: small on the wire, a million stack frames for a recursive parser.
std::string nested(size_t n) { return std::string(n, '[') + std::string(n, ']'); }

/// The same with objects, for decoders that look for an object first.
std::string nestedObjects(size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; ++i) s += "{\"a\":";
    return s + "1" + std::string(n, '}');
}

} // namespace

class NestingLimitTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(NestingLimitTest);
    CPPUNIT_TEST(testSdkCheck);
    CPPUNIT_TEST(testDecodersRefuseDeepBodies);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSdkCheck()
    {
        CPPUNIT_ASSERT(!json::nestsDeeperThan(nested(64), 64));
        CPPUNIT_ASSERT(json::nestsDeeperThan(nested(65), 64));
        CPPUNIT_ASSERT(!json::nestsDeeperThan("{\"a\":\"" + std::string(1000, '[') + "\"}", 64));
        CPPUNIT_ASSERT(!json::nestsDeeperThan("{\"a\":\"\\\"" + std::string(1000, '{') + "\"}", 64));
    }

    void testDecodersRefuseDeepBodies()
    {
        const std::string deep = nested(1000000);
        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"), ExecLineDecoder::decode(deep).reason);

        jobqueue::JobQueueSettings jobs;
        jobs.secret = "s";
        jobs.serverName = "w.example";
        jobs.defaultDatabase = "wiki";
        jobqueue::JobRequestContext jobContext;
        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"), jobqueue::JobSpecDecoder(jobs).decode(deep, jobContext).reason);

        campaign::CampaignChangeSettings campaigns;
        campaign::CampaignRequestContext campaignContext;
        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"),
                             campaign::CampaignChangeDecoder(campaigns).decode(deep, campaignContext).reason);

        JobExecutorRegistry executors;
        JobRunnerSettings runner;
        runner.enabled = true;
        runner.secret = "s";
        JobRunnerResponse r = JobRunner(runner, executors).handle("POST", "application/json", deep);
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT_MESSAGE(r.body, r.body.find("nested deeper") != std::string::npos);

        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"),
                             std::string(rcfeed::RcFeedDecoder("mediawiki.recentchange", "/wiki/$1").decode(nestedObjects(1000)).reason));
        CPPUNIT_ASSERT_EQUAL(std::string("too_deep"), std::string(monolog::MonologRecordDecoder().decodeLine(nestedObjects(100000)).reason));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(NestingLimitTest);
