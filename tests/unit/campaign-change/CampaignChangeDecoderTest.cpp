#include "CampaignChangeDecoder.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

using namespace eventbus::campaign;

namespace {

const char* const kUser =
    R"({"user_text":"CampaignAdmin","user_groups":["centralnoticeadmin","*","user","autoconfirmed"],)"
    R"("user_is_bot":false,"user_id":777,"user_registration_dt":"2015-03-02T10:11:12Z","user_edit_count":5120})";

CampaignChangeDecoder metaWiki() {
    CampaignChangeSettings s;
    s.database = "metawiki";
    s.serverName = "meta.wikimedia.org";
    s.campaignUrl = "https://meta.wikimedia.org/w/index.php?title=Special:CentralNotice&subaction=noticeDetail&notice=$1";
    s.changeStream = "mapped.campaign-change";
    return CampaignChangeDecoder(s);
}

CampaignRequestContext context() {
    CampaignRequestContext c;
    c.requestId = "ZoK3mAw4QQ8AAGR2kpUAAABK";
    c.newId = [] { return std::string("2d6c0a1e-5b7f-4e8a-9c3d-4f5e6a7b8c9d"); };
    return c;
}

std::string hookCall(const std::string& action, const std::string& begin, const std::string& end,
                     const std::string& summary = "") {
    return R"({"action":")" + action + R"(","time":"20240703093000","campaignName":"C24_example_FR","user":)" + kUser +
           R"(,"beginSettings":)" + begin + R"(,"endSettings":)" + end + R"(,"summary":")" + summary + "\"}";
}

const std::string kBegin = R"({"start":"20240701000000","end":"20240715000000","enabled":false,"archived":false,)"
                           R"("banners":["B24_example_FR_1"]})";
const std::string kEnd = R"({"start":"20240701000000","end":"20240715000000","enabled":true,"archived":false,)"
                         R"("banners":["B24_example_FR_1","B24_example_FR_2"]})";

} // namespace

class CampaignChangeDecoderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CampaignChangeDecoderTest);
    CPPUNIT_TEST(testSpecModifiedExample);
    CPPUNIT_TEST(testCreate);
    CPPUNIT_TEST(testChangeWithoutPriorSettings);
    CPPUNIT_TEST(testDelete);
    CPPUNIT_TEST(testCreateAndChangeWithoutNewSettingsAreSkipped);
    CPPUNIT_TEST(testErrorsNameTheField);
    CPPUNIT_TEST(testCampaignNameIsUrlencodedInUri);
    CPPUNIT_TEST(testEventsPassTheValidator);
    CPPUNIT_TEST_SUITE_END();

    static std::string decodeOk(const std::string& body) {
        auto r = metaWiki().decode(body, context());
        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
        CPPUNIT_ASSERT_MESSAGE(body, r.event.has_value());
        return r.event->json;
    }

public:
    void testSpecModifiedExample() {
        auto r = metaWiki().decode(hookCall("modified", kBegin, kEnd, "Enable campaign, add second banner"), context());
        CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("mapped.campaign-change"), r.event->stream);
        CPPUNIT_ASSERT_EQUAL(std::string("2d6c0a1e-5b7f-4e8a-9c3d-4f5e6a7b8c9d"), r.event->id);
        // input-wire-formats.md 4.2, with the stream mapped and meta.dt (the change time) added.
        const std::string expected =
            R"({"$schema":"/mediawiki/centralnotice/campaign/change/1.0.0","meta":{"uri":"https://meta.wikimedia.org/w/index.php?title=Special:CentralNotice&subaction=noticeDetail&notice=C24_example_FR","request_id":"ZoK3mAw4QQ8AAGR2kpUAAABK","id":"2d6c0a1e-5b7f-4e8a-9c3d-4f5e6a7b8c9d","domain":"meta.wikimedia.org","stream":"mapped.campaign-change","dt":"2024-07-03T09:30:00Z"},"database":"metawiki","performer":{"user_text":"CampaignAdmin","user_groups":["centralnoticeadmin","*","user","autoconfirmed"],"user_is_bot":false,"user_id":777,"user_registration_dt":"2015-03-02T10:11:12Z","user_edit_count":5120},"campaign_name":"C24_example_FR","summary":"Enable campaign, add second banner","start_dt":"2024-07-01T00:00:00Z","end_dt":"2024-07-15T00:00:00Z","enabled":true,"archived":false,"banners":["B24_example_FR_1","B24_example_FR_2"],"prior_state":{"start_dt":"2024-07-01T00:00:00Z","end_dt":"2024-07-15T00:00:00Z","enabled":false,"archived":false,"banners":["B24_example_FR_1"]}})";
        CPPUNIT_ASSERT_EQUAL(expected, r.event->json);
    }

    void testCreate() {
        const std::string json = decodeOk(
            hookCall("created", "null", R"({"start":"1546300800","end":1548979200,"enabled":false,"archived":false,"banners":[]})"));
        CPPUNIT_ASSERT(json.find(R"("$schema":"/mediawiki/centralnotice/campaign/create/1.0.0")") != std::string::npos);
        CPPUNIT_ASSERT(json.find(R"("stream":"mediawiki.centralnotice.campaign-create")") != std::string::npos);
        CPPUNIT_ASSERT(json.find(R"("campaign_name":"C24_example_FR","start_dt":"2019-01-01T00:00:00Z",)"
                                 R"("end_dt":"2019-02-01T00:00:00Z","enabled":false,"archived":false,"banners":[]})") !=
                       std::string::npos);
        CPPUNIT_ASSERT(json.find("summary") == std::string::npos);
        CPPUNIT_ASSERT(json.find("prior_state") == std::string::npos);
    }

    void testChangeWithoutPriorSettings() {
        for (const char* begin : {"null", "[]", "{}"}) {
            const std::string json = decodeOk(hookCall("modified", begin, kEnd));
            CPPUNIT_ASSERT_MESSAGE(json, json.find(R"("prior_state":{"start_dt":"2024-07-03T09:30:00Z",)"
                                                   R"("end_dt":"2024-07-03T09:30:00Z","enabled":false,"archived":false,)"
                                                   R"("banners":[]}})") != std::string::npos);
        }
        // Without "beginSettings" at all.
        const std::string json =
            decodeOk(R"({"action":"modified","campaignName":"C","user":)" + std::string(kUser) + R"(,"endSettings":)" + kEnd + "}");
        CPPUNIT_ASSERT(json.find(R"("prior_state":{"start_dt":")") != std::string::npos);
        CPPUNIT_ASSERT(json.find("\"prior_state\":[]") == std::string::npos);
    }

    void testDelete() {
        std::string json = decodeOk(hookCall("removed", "null", "null", "gone"));
        CPPUNIT_ASSERT(json.find(R"("$schema":"/mediawiki/centralnotice/campaign/delete/1.0.0")") != std::string::npos);
        CPPUNIT_ASSERT(json.find(R"("stream":"mediawiki.centralnotice.campaign-delete")") != std::string::npos);
        CPPUNIT_ASSERT(json.find(R"("campaign_name":"C24_example_FR","summary":"gone","prior_state":{"start_dt":)"
                                 R"("2024-07-03T09:30:00Z","end_dt":"2024-07-03T09:30:00Z","enabled":false,)"
                                 R"("archived":false,"banners":[]}})") != std::string::npos);
        CPPUNIT_ASSERT(json.find("\"start_dt\"") == json.find("\"prior_state\"") + 15);
        json = decodeOk(hookCall("removed", kBegin, "null"));
        CPPUNIT_ASSERT(json.find(R"("prior_state":{"start_dt":"2024-07-01T00:00:00Z","end_dt":"2024-07-15T00:00:00Z",)"
                                 R"("enabled":false,"archived":false,"banners":["B24_example_FR_1"]}})") != std::string::npos);
        json = decodeOk(hookCall("removed", "null", kEnd));
        CPPUNIT_ASSERT(json.find(R"("prior_state":{"start_dt":"2024-07-01T00:00:00Z","end_dt":"2024-07-15T00:00:00Z",)"
                                 R"("enabled":true,)") != std::string::npos);
    }

    void testCreateAndChangeWithoutNewSettingsAreSkipped() {
        for (const char* action : {"created", "modified"}) {
            auto r = metaWiki().decode(hookCall(action, kBegin, "null"), context());
            CPPUNIT_ASSERT_MESSAGE(r.error, r.ok());
            CPPUNIT_ASSERT(!r.event.has_value());
        }
    }

    void testErrorsNameTheField() {
        struct Case {
            std::string body;
            const char* expected;
        } cases[] = {
            {"nope", "body is not valid JSON"},
            {"[]", "body must be a JSON object"},
            {hookCall("renamed", kBegin, kEnd), "Bad CentralNotice change type: renamed"},
            {R"({"campaignName":"C"})", "missing field 'action'"},
            {R"({"action":"created","user":{}})", "missing field 'campaignName'"},
            {R"({"action":"created","campaignName":"C","endSettings":)" + kEnd + "}", "missing field 'user'"},
            {R"({"action":"created","campaignName":"C","user":{"user_text":"U","user_is_bot":false},"endSettings":)" + kEnd + "}",
             "missing field 'user.user_groups'"},
            {R"({"action":"created","campaignName":"C","user":{"user_text":"U","user_groups":[""],"user_is_bot":false}})",
             "'user.user_groups' must be a list of non-empty strings"},
            {R"({"action":"created","campaignName":"C","user":{"user_text":"U","user_groups":[],"user_is_bot":0}})",
             "'user.user_is_bot' must be true or false"},
            {R"({"action":"created","campaignName":"C","user":{"user_text":"U","user_groups":[],"user_is_bot":true,"user_edit_count":-1}})",
             "'user.user_edit_count'"},
            {hookCall("created", "null", R"({"start":"20240701000000","enabled":true,"archived":false,"banners":[]})"),
             "missing field 'endSettings.end'"},
            {hookCall("created", "null", R"({"start":"soon","end":"20240701000000","enabled":true,"archived":false,"banners":[]})"),
             "'endSettings.start' is not a timestamp"},
            {hookCall("modified", R"({"start":"20240701000000","end":"20240701000000","enabled":true,"archived":false})", kEnd),
             "missing field 'beginSettings.banners'"},
            {hookCall("modified", "[1]", kEnd), "'beginSettings' must be an object or null"},
            {R"({"action":"removed","campaignName":"C","time":"yesterday","user":)" + std::string(kUser) + "}",
             "'time' is not a timestamp"},
            {R"({"action":"removed","campaignName":"C","summary":5,"user":)" + std::string(kUser) + "}",
             "'summary' must be a string"},
        };
        for (const auto& c : cases) {
            auto r = metaWiki().decode(c.body, context());
            CPPUNIT_ASSERT_MESSAGE(c.body, !r.ok());
            CPPUNIT_ASSERT_MESSAGE(c.body + " -> " + r.error, r.error.find(c.expected) != std::string::npos);
            CPPUNIT_ASSERT(!r.reason.empty());
            CPPUNIT_ASSERT(!r.event.has_value());
        }
    }

    void testCampaignNameIsUrlencodedInUri() {
        // PHP urlencode, not wfUrlencode: '/' and '~' are encoded too.
        std::string body = hookCall("created", "null", kEnd);
        body.replace(body.find("C24_example_FR"), 14, "Fall drive/2024~\u00e9");
        const std::string json = decodeOk(body);
        CPPUNIT_ASSERT_MESSAGE(json, json.find("&notice=Fall+drive%2F2024%7E%C3%A9\"") != std::string::npos);
    }

    void testEventsPassTheValidator() {
        const char* shared = std::getenv("EVENTBUS_SHARED_DIR");
        const std::string tool = std::string(shared ? shared : "") + "/tools/validate-events";
        if (!shared || access(tool.c_str(), X_OK) != 0) {
            std::cout << "\nSKIPPED: validate-events not found (EVENTBUS_SHARED_DIR unset or ../shared absent)\n";
            return;
        }
        const std::string bodies[] = {
            hookCall("created", "null", kEnd),
            hookCall("modified", kBegin, kEnd, "summary"),
            hookCall("modified", "null", kEnd),
            hookCall("removed", "null", "null"),
            hookCall("removed", kBegin, "null"),
            R"({"action":"removed","campaignName":"Minimal","user":{"user_text":"127.0.0.1","user_groups":["*"],"user_is_bot":false}})",
        };
        char path[] = "/tmp/campaign-events-XXXXXX";
        const int fd = mkstemp(path);
        CPPUNIT_ASSERT(fd >= 0);
        close(fd);
        {
            std::ofstream out(path);
            for (const auto& body : bodies) out << decodeOk(body) << "\n";
        }
        const int status = std::system((tool + " " + path + " > /dev/null").c_str());
        std::remove(path);
        CPPUNIT_ASSERT_EQUAL(0, WEXITSTATUS(status));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CampaignChangeDecoderTest);
