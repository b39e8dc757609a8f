// The campaign-change module as the host loads it (through FakeHost): its required keys, the
// stream-name map, X-Request-Id, and the 201/400 answers.
#include "eventbus/FakeHost.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdlib>
#include <memory>

using eventbus::testing::FakeHost;
using eventbus::testing::InputContext;
using eventbus::testing::PluginLibrary;

namespace {

std::map<std::string, std::string> config() {
    return {{"database", "metawiki"},
            {"server_name", "meta.wikimedia.org"},
            {"campaign_url", "https://meta.wikimedia.org/wiki/Special:CentralNotice?notice=$1"}};
}

std::string modulePath() {
    const char* build = std::getenv("EVENTBUS_BUILD_DIR");
    CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is not set (run through ctest)", build != nullptr);
    return std::string(build) + "/plugins/campaign-change.so";
}

InputContext post(std::vector<std::pair<std::string, std::string>> headers = {}) {
    InputContext c;
    c.method = "POST";
    c.uri = "/eventbus/v0/campaign-change";
    c.contentType = "application/json";
    c.headers = std::move(headers);
    return c;
}

const std::string kUser = R"({"user_text":"Admin","user_groups":["*"],"user_is_bot":false})";
const std::string kSettings = R"({"start":"20240701000000","end":"20240715000000","enabled":true,"archived":false,"banners":["B"]})";

} // namespace

class CampaignChangePluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CampaignChangePluginTest);
    CPPUNIT_TEST(testKeysAndRoute);
    CPPUNIT_TEST(testRequiredKeys);
    CPPUNIT_TEST(testStreamNameMapAndRequestId);
    CPPUNIT_TEST(testSkippedChangeIsAnsweredWithNoIds);
    CPPUNIT_TEST(testBadArgumentsAreAnswered400);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<PluginLibrary> _library;

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(modulePath()); }
    void tearDown() override { _library.reset(); }

    void testKeysAndRoute() {
        FakeHost host(_library->descriptor(), config());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("campaign-change"), std::string(host.descriptor().name));
        const auto* route = host.listener("campaign-change");
        CPPUNIT_ASSERT(route != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("/eventbus/v0/campaign-change"), route->route);
    }

    void testRequiredKeys() {
        for (const char* key : {"database", "server_name", "campaign_url"}) {
            auto c = config();
            c.erase(key);
            FakeHost host(_library->descriptor(), c);
            CPPUNIT_ASSERT_MESSAGE(key, !host.start());
            CPPUNIT_ASSERT_MESSAGE(host.error(), host.error().find(key) != std::string::npos);
        }
    }

    void testStreamNameMapAndRequestId() {
        FakeHost host(_library->descriptor(), config());
        host.mapStream("mediawiki.centralnotice.campaign-create", "rc0.campaign-create");
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        auto out = host.decode("campaign-change",
                               R"({"action":"created","campaignName":"Fall drive","user":)" + kUser +
                                   R"(,"endSettings":)" + kSettings + "}",
                               post({{"X-Request-Id", "req-42"}}));
        CPPUNIT_ASSERT_MESSAGE(out.message, out.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(1), out.events.size());
        const auto& e = out.events[0];
        CPPUNIT_ASSERT_EQUAL(std::string("rc0.campaign-create"), e.stream);
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_EVENT), e.type);
        CPPUNIT_ASSERT(e.json.find(R"("uri":"https://meta.wikimedia.org/wiki/Special:CentralNotice?notice=Fall+drive",)"
                                   R"("request_id":"req-42","id":")" + e.id + R"(","domain":"meta.wikimedia.org",)"
                                   R"("stream":"rc0.campaign-create","dt":")") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(201, out.http.status);
        CPPUNIT_ASSERT_EQUAL("{\"ids\":[\"" + e.id + "\"]}", out.http.body);
    }

    void testSkippedChangeIsAnsweredWithNoIds() {
        FakeHost host(_library->descriptor(), config());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        auto out = host.decode("campaign-change",
                               R"({"action":"modified","campaignName":"C","user":)" + kUser + R"(,"endSettings":null})", post());
        CPPUNIT_ASSERT_MESSAGE(out.message, out.ok());
        CPPUNIT_ASSERT(out.events.empty());
        CPPUNIT_ASSERT_EQUAL(201, out.http.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"ids":[]})"), out.http.body);
    }

    void testBadArgumentsAreAnswered400() {
        FakeHost host(_library->descriptor(), config());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        auto out = host.decode("campaign-change", R"({"action":"removed","campaignName":"C"})", post());
        CPPUNIT_ASSERT(out.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_hook_arguments"), out.reason);
        CPPUNIT_ASSERT_EQUAL(400, out.http.status);
        CPPUNIT_ASSERT_MESSAGE(out.http.body, out.http.body.find("missing field 'user'") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CampaignChangePluginTest);
