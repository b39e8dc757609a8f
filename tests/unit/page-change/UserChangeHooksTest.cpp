// UserChangeHooks through the decoder (spec sections 5.3 and 10, UserChangeEmissionTest):
// account creation with its performer rules, renames from the renameuser log entry, and group
// changes with implicit groups kept, including foreign users.
#include "PageChangeFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace pagechangetest;
using eventbus::pagechange::DecodeResult;

namespace {

const std::string kCreate = R"JSON({"changelog_kind":"insert","wiki_id":"enwiki","user_change_kind":"create","dt":"2024-01-14T00:00:00Z","user":{"user_text":"Newbie","groups":["*","user"],"is_temp":false,"wiki_id":"enwiki","user_id":100,"edit_count":0,"registration_dt":"2024-01-14T00:00:00Z","user_central_id":1000,"is_bot":false,"is_system":false,"first_registration_dt":"2024-01-14T00:00:00Z"},"performer":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"is_autocreate":false,"$schema":"/development/mediawiki_user_change/1.3.0","meta":{"stream":"mediawiki.user_change.v1","uri":"https://en.wikipedia.org/wiki/User:Newbie","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-14T00:00:00Z"}})JSON";
const std::string kRename = R"JSON({"changelog_kind":"update","wiki_id":"enwiki","user_change_kind":"rename","dt":"2024-01-16T00:00:00Z","user":{"user_text":"NewName","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242,"first_registration_dt":"2019-05-05T00:00:00Z"},"comment":"requested","performer":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"prior_state":{"user":{"user_text":"OldName"}},"$schema":"/development/mediawiki_user_change/1.3.0","meta":{"stream":"mediawiki.user_change.v1","uri":"https://en.wikipedia.org/wiki/User:NewName","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-16T00:00:00Z"}})JSON";
const std::string kGroups = R"JSON({"changelog_kind":"update","wiki_id":"enwiki","user_change_kind":"groups_change","dt":"2024-01-15T00:00:00Z","user":{"user_text":"Alice","groups":["*","autoconfirmed","bureaucrat","user"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242,"first_registration_dt":"2019-05-05T00:00:00Z"},"comment":"promotion","performer":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"prior_state":{"user":{"groups":["*","autoconfirmed","rollbacker","user"]}},"$schema":"/development/mediawiki_user_change/1.3.0","meta":{"stream":"mediawiki.user_change.v1","uri":"https://en.wikipedia.org/wiki/User:Alice","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-15T00:00:00Z"}})JSON";

const std::string kCreated = "user-change/local-user-created";
const std::string kRenamed = "user-change/manual-log-entry-before-publish";
const std::string kGroupsChanged = "user-change/user-groups-changed";
const char* const kAnonymous = R"({"name":"192.0.2.1","groups":["*"]})";

rapidjson::Document only(const std::vector<std::string>& events)
{
    CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
    rapidjson::Document doc = parsed(events[0]);
    // Every user_change event carries these (UserChangeEmissionTest).
    CPPUNIT_ASSERT_EQUAL(std::string("enwiki"), std::string(doc["wiki_id"].GetString()));
    CPPUNIT_ASSERT_EQUAL(std::string("/development/mediawiki_user_change/1.3.0"), std::string(doc["$schema"].GetString()));
    CPPUNIT_ASSERT(doc["meta"]["id"].IsString());
    CPPUNIT_ASSERT(doc["dt"].IsString());
    return doc;
}

std::string str(const rapidjson::Value& v)
{
    return v.GetString();
}

} // namespace

class UserChangeHooksTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UserChangeHooksTest);
    CPPUNIT_TEST(testCreatedByNamedContextUser);
    CPPUNIT_TEST(testSelfSignUp);
    CPPUNIT_TEST(testAutocreate);
    CPPUNIT_TEST(testContextUserNotSafeToLoad);
    CPPUNIT_TEST(testTemporaryOrAnonymousUserGivesNothing);
    CPPUNIT_TEST(testUnknownRegistrationIsNow);
    CPPUNIT_TEST(testRename);
    CPPUNIT_TEST(testOtherLogEntriesGiveNothing);
    CPPUNIT_TEST(testRenameToUnnamedUserIsRefused);
    CPPUNIT_TEST(testRenameByUnnamedPerformer);
    CPPUNIT_TEST(testGroupsChange);
    CPPUNIT_TEST(testGroupsChangeMembershipObjects);
    CPPUNIT_TEST(testGroupsChangeWithoutPerformerOrReason);
    CPPUNIT_TEST(testGroupsChangeByUnnamedPerformerDoesNotCrash);
    CPPUNIT_TEST(testGroupsChangeOfForeignUser);
    CPPUNIT_TEST(testGroupsChangeOfUnnamedUserIsRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCreatedByNamedContextUser()
    {
        auto events = eventsOf(kCreated, fixture(kCreated));
        CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
        CPPUNIT_ASSERT_EQUAL(kCreate, normalised(events[0]));
        only(events);
    }

    void testSelfSignUp()
    {
        for (const std::string& context : {std::string(kAnonymous), std::string("null")}) {
            auto doc = only(eventsOf(kCreated, edited(fixture(kCreated), {{"/context_user", context}})));
            CPPUNIT_ASSERT_EQUAL(std::string("Newbie"), str(doc["performer"]["user_text"]));
            CPPUNIT_ASSERT_EQUAL(int64_t(100), doc["performer"]["user_id"].GetInt64());
            CPPUNIT_ASSERT(!doc["is_autocreate"].GetBool());
        }
    }

    void testAutocreate()
    {
        auto doc = only(eventsOf(kCreated, edited(fixture(kCreated), {{"/autocreated", "true"}})));
        CPPUNIT_ASSERT_EQUAL(std::string("Admin"), str(doc["performer"]["user_text"]));
        CPPUNIT_ASSERT(doc["is_autocreate"].GetBool());
        doc = only(eventsOf(kCreated, edited(fixture(kCreated), {{"/autocreated", "true"}, {"/context_user", kAnonymous}})));
        CPPUNIT_ASSERT_EQUAL(std::string("Newbie"), str(doc["performer"]["user_text"]));
        CPPUNIT_ASSERT(doc["is_autocreate"].GetBool());
    }

    void testContextUserNotSafeToLoad()
    {
        auto doc = only(eventsOf(kCreated, edited(fixture(kCreated), {{"/context_user_safe_to_load", "false"}, {"/autocreated", "true"}})));
        CPPUNIT_ASSERT_EQUAL(std::string("Newbie"), str(doc["performer"]["user_text"]));
        doc = only(eventsOf(kCreated, edited(fixture(kCreated), {{"/context_user_safe_to_load", "false"}})));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
    }

    void testTemporaryOrAnonymousUserGivesNothing()
    {
        CPPUNIT_ASSERT(eventsOf(kCreated, edited(fixture(kCreated), {{"/user/is_temp", "true"}, {"/user/name", "\"~2024-1\""}})).empty());
        CPPUNIT_ASSERT(eventsOf(kCreated, edited(fixture(kCreated), {{"/user", kAnonymous}})).empty());
    }

    void testUnknownRegistrationIsNow()
    {
        auto events = eventsOf(kCreated, edited(fixture(kCreated), {{"/user/registration", "<remove>"}, {"/user/first_registration", "<remove>"}}));
        auto doc = only(events);
        CPPUNIT_ASSERT(std::string(doc["dt"].GetString()) > std::string("2025-01-01T00:00:00Z"));
        CPPUNIT_ASSERT(!doc["user"].HasMember("first_registration_dt"));
        CPPUNIT_ASSERT(normalised(events[0], true).find("\"dt\":\"<now>\"") != std::string::npos);
    }

    void testRename()
    {
        auto events = eventsOf(kRenamed, fixture(kRenamed));
        only(events);
        CPPUNIT_ASSERT_EQUAL(kRename, normalised(events[0]));
    }

    void testOtherLogEntriesGiveNothing()
    {
        CPPUNIT_ASSERT(eventsOf(kRenamed, edited(fixture(kRenamed), {{"/log_type", "\"block\""}})).empty());
        CPPUNIT_ASSERT(eventsOf(kRenamed, edited(fixture(kRenamed), {{"/log_subtype", "\"other\""}})).empty());
    }

    void testRenameToUnnamedUserIsRefused()
    {
        DecodeResult r = decoder().decode(kRenamed, edited(fixture(kRenamed), {{"/user/is_temp", "true"}}), "");
        CPPUNIT_ASSERT(r.events.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("user: 'NewName' is not a named user"), r.rejectMessage);
        r = decoder().decode(kRenamed, edited(fixture(kRenamed), {{"/params/4::olduser", "<remove>"}}), "");
        CPPUNIT_ASSERT_EQUAL(std::string("params.4::olduser: missing"), r.rejectMessage);
    }

    void testRenameByUnnamedPerformer()
    {
        auto doc = only(eventsOf(kRenamed, edited(fixture(kRenamed), {{"/performer", kAnonymous}, {"/comment", "<remove>"}})));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc.HasMember("comment"));
    }

    void testGroupsChange()
    {
        auto events = eventsOf(kGroupsChanged, fixture(kGroupsChanged));
        CPPUNIT_ASSERT_EQUAL(kGroups, normalised(events.at(0)));
        auto doc = only(events);
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["*","autoconfirmed","rollbacker","user"])"),
                             eventbus::json::encode(doc["prior_state"]["user"]["groups"]));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["*","autoconfirmed","bureaucrat","user"])"), eventbus::json::encode(doc["user"]["groups"]));
    }

    void testGroupsChangeMembershipObjects()
    {
        auto doc = only(eventsOf(kGroupsChanged, edited(fixture(kGroupsChanged),
                                                        {{"/old_memberships", R"({"rollbacker":{"expiry":null}})"},
                                                         {"/new_memberships", R"({"bureaucrat":{"expiry":"20300101000000"}})"}})));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["*","autoconfirmed","bureaucrat","user"])"), eventbus::json::encode(doc["user"]["groups"]));
    }

    void testGroupsChangeWithoutPerformerOrReason()
    {
        auto doc = only(eventsOf(kGroupsChanged, edited(fixture(kGroupsChanged), {{"/performer", "false"}, {"/reason", "false"}})));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc.HasMember("comment"));
    }

    void testGroupsChangeByUnnamedPerformerDoesNotCrash()
    {
        // The extension called a method on null here (spec section 5.3, step 4).
        auto doc = only(eventsOf(kGroupsChanged, edited(fixture(kGroupsChanged), {{"/performer", kAnonymous}})));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT_EQUAL(std::string("promotion"), str(doc["comment"]));
    }

    void testGroupsChangeOfForeignUser()
    {
        auto doc = only(eventsOf(kGroupsChanged, edited(fixture(kGroupsChanged), {{"/user/wiki_id", "\"foreignwiki\""}})));
        CPPUNIT_ASSERT_EQUAL(std::string("foreignwiki"), str(doc["user"]["wiki_id"]));
        CPPUNIT_ASSERT_EQUAL(int64_t(7), doc["user"]["user_id"].GetInt64());
        CPPUNIT_ASSERT_EQUAL(std::string("Admin"), str(doc["performer"]["user_text"]));
        CPPUNIT_ASSERT_EQUAL(std::string("promotion"), str(doc["comment"]));
        doc = only(eventsOf(kGroupsChanged,
                            edited(fixture(kGroupsChanged),
                                   {{"/user/wiki_id", "\"foreignwiki\""},
                                    {"/wiki/wikimap", R"({"foreignwiki":{"canonical_server":"https://foreign.example.org"}})"}})));
        CPPUNIT_ASSERT_EQUAL(std::string("https://foreign.example.org/wiki/User:Alice"), str(doc["meta"]["uri"]));
    }

    void testGroupsChangeOfUnnamedUserIsRefused()
    {
        DecodeResult r = decoder().decode(kGroupsChanged, edited(fixture(kGroupsChanged), {{"/user", kAnonymous}}), "");
        CPPUNIT_ASSERT(r.events.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("user: '192.0.2.1' is not a named user"), r.rejectMessage);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UserChangeHooksTest);
