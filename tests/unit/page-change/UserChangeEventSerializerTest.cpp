// UserChangeEventSerializer (spec sections 4.7 and 10, UserChangeEventSerializerTest). The
// user_change schema is not in the archive, so events are checked whole and field by field.
#include "PageChangeFixtures.h"
#include "UserChangeEventSerializer.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

using namespace pagechangetest;
using namespace eventbus::pagechange;

namespace {

UserState named(const std::string& name, int64_t id)
{
    UserState u;
    u.name = name;
    u.id = id;
    u.groups = {"*", "user"};
    u.editCount = 3;
    u.registrationDt = "2020-02-02T00:00:00Z";
    u.firstRegistrationDt = "2020-02-02T00:00:00Z";
    return u;
}

UserChange change(const std::string& kind)
{
    UserChange c;
    c.kind = kind;
    c.user = named("Current", 7);
    c.eventDt = "2024-05-05T00:00:00Z";
    return c;
}

rapidjson::Document event(const UserChange& c, const WikiSettings& wiki = enwiki())
{
    return parsed(eventbus::json::encode(UserChangeEventSerializer(wiki, "mediawiki.user_change.v1").toEvent(c)));
}

std::string encoded(const rapidjson::Value& v)
{
    return eventbus::json::encode(v);
}

std::string str(const rapidjson::Value& v)
{
    return v.GetString();
}

} // namespace

class UserChangeEventSerializerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UserChangeEventSerializerTest);
    CPPUNIT_TEST(testCreate);
    CPPUNIT_TEST(testCreateWithPerformer);
    CPPUNIT_TEST(testEditGlobalCountsAreSeparate);
    CPPUNIT_TEST(testEditGlobalCountOmittedOrSkipped);
    CPPUNIT_TEST(testRename);
    CPPUNIT_TEST(testRenameWithComment);
    CPPUNIT_TEST(testGroupsChange);
    CPPUNIT_TEST(testGroupsChangeWithoutPerformerOrComment);
    CPPUNIT_TEST(testAnonymousUserThrows);
    CPPUNIT_TEST(testAnonymousOrTemporaryPerformerThrows);
    CPPUNIT_TEST(testUserEntityVersion);
    CPPUNIT_TEST(testWikiIdOnUserAndPerformer);
    CPPUNIT_TEST(testForeignUserGroupsChange);
    CPPUNIT_TEST(testForeignUserOfKnownWiki);
    CPPUNIT_TEST(testUnknownFirstRegistrationIsAbsent);
    CPPUNIT_TEST(testUnknownKindThrows);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCreate()
    {
        UserChange c = change("create");
        const std::string expected =
            R"({"changelog_kind":"insert","wiki_id":"enwiki","user_change_kind":"create","dt":"2024-05-05T00:00:00Z",)"
            R"("user":{"user_text":"Current","groups":["*","user"],"is_temp":false,"wiki_id":"enwiki","user_id":7,"edit_count":3,)"
            R"("registration_dt":"2020-02-02T00:00:00Z","is_bot":false,"is_system":false,"first_registration_dt":"2020-02-02T00:00:00Z"},)"
            R"("is_autocreate":false,"$schema":"/development/mediawiki_user_change/1.3.0",)"
            R"("meta":{"stream":"mediawiki.user_change.v1","uri":"https://en.wikipedia.org/wiki/User:Current","id":"<id>",)"
            R"("domain":"en.wikipedia.org","dt":"2024-05-05T00:00:00Z"}})";
        CPPUNIT_ASSERT_EQUAL(expected, normalised(encoded(event(c))));
    }

    void testCreateWithPerformer()
    {
        UserChange c = change("create");
        c.performer = named("Admin", 1);
        c.isAutocreate = true;
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("Admin"), str(doc["performer"]["user_text"]));
        CPPUNIT_ASSERT(!doc["performer"].HasMember("first_registration_dt"));
        CPPUNIT_ASSERT(doc["is_autocreate"].GetBool());
        CPPUNIT_ASSERT(!doc["meta"].HasMember("request_id"));
    }

    void testEditGlobalCountsAreSeparate()
    {
        UserChange c = change("create");
        c.user.centralId = 10;
        c.user.editGlobalCount = 4242;
        c.performer = named("Admin", 1);
        c.performer->centralId = 11;
        c.performer->editGlobalCount = 1234;
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(int64_t(4242), doc["user"]["edit_global_count"].GetInt64());
        CPPUNIT_ASSERT_EQUAL(int64_t(1234), doc["performer"]["edit_global_count"].GetInt64());
    }

    void testEditGlobalCountOmittedOrSkipped()
    {
        UserChange c = change("create");
        c.user.centralId = 10;
        CPPUNIT_ASSERT(!event(c)["user"].HasMember("edit_global_count"));
        c.user.centralId = 0;
        c.user.editGlobalCount = 5;
        CPPUNIT_ASSERT(!event(c)["user"].HasMember("edit_global_count"));
    }

    void testRename()
    {
        UserChange c = change("rename");
        c.newName = "Current";
        c.oldName = "OldName";
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("update"), str(doc["changelog_kind"]));
        CPPUNIT_ASSERT_EQUAL(std::string("rename"), str(doc["user_change_kind"]));
        CPPUNIT_ASSERT_EQUAL(std::string("Current"), str(doc["user"]["user_text"]));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"user":{"user_text":"OldName"}})"), encoded(doc["prior_state"]));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc.HasMember("comment"));
        CPPUNIT_ASSERT(!doc.HasMember("is_autocreate"));
    }

    void testRenameWithComment()
    {
        UserChange c = change("rename");
        c.newName = "Current";
        c.oldName = "OldName";
        c.comment = "per request";
        CPPUNIT_ASSERT_EQUAL(std::string("per request"), str(event(c)["comment"]));
    }

    void testGroupsChange()
    {
        UserChange c = change("groups_change");
        c.groups = {"user", "rollbacker"};
        c.priorGroups = {"user"};
        c.performer = named("Admin", 1);
        c.comment = "trusted";
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("update"), str(doc["changelog_kind"]));
        CPPUNIT_ASSERT_EQUAL(std::string("groups_change"), str(doc["user_change_kind"]));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["rollbacker","user"])"), encoded(doc["user"]["groups"]));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"user":{"groups":["user"]}})"), encoded(doc["prior_state"]));
        CPPUNIT_ASSERT_EQUAL(std::string("Admin"), str(doc["performer"]["user_text"]));
        CPPUNIT_ASSERT_EQUAL(std::string("trusted"), str(doc["comment"]));
    }

    void testGroupsChangeWithoutPerformerOrComment()
    {
        UserChange c = change("groups_change");
        c.groups = {"user"};
        auto doc = event(c);
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc.HasMember("comment"));
    }

    void testAnonymousUserThrows()
    {
        UserChange c = change("create");
        c.user.id = 0;
        CPPUNIT_ASSERT_THROW(event(c), std::invalid_argument);
        c.user.id = 7;
        c.user.isTemp = true;
        CPPUNIT_ASSERT_THROW(event(c), std::invalid_argument);
    }

    void testAnonymousOrTemporaryPerformerThrows()
    {
        UserChange c = change("create");
        c.performer = named("127.0.0.1", 0);
        try {
            event(c);
            CPPUNIT_FAIL("an anonymous performer was accepted");
        } catch (const std::invalid_argument& e) {
            CPPUNIT_ASSERT(std::string(e.what()).find("Performer 127.0.0.1 is not a named user") != std::string::npos);
        }
    }

    void testUserEntityVersion()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("1.3.0"), std::string(UserChangeEventSerializer::kUserEntityVersion));
        CPPUNIT_ASSERT_EQUAL(std::string("/development/mediawiki_user_change/1.3.0"), std::string(UserChangeEventSerializer::kSchema));
    }

    void testWikiIdOnUserAndPerformer()
    {
        for (const char* kind : {"create", "rename", "groups_change"}) {
            UserChange c = change(kind);
            c.newName = "Current";
            c.performer = named("Admin", 1);
            auto doc = event(c);
            CPPUNIT_ASSERT_EQUAL(std::string("enwiki"), str(doc["wiki_id"]));
            CPPUNIT_ASSERT_EQUAL(std::string("enwiki"), str(doc["user"]["wiki_id"]));
            CPPUNIT_ASSERT_EQUAL(std::string("enwiki"), str(doc["performer"]["wiki_id"]));
        }
    }

    void testForeignUserGroupsChange()
    {
        UserChange c = change("groups_change");
        c.user = named("ForeignUser", 7);
        c.user.wikiId = "foreignwiki";
        c.groups = {"user", "sysop", "*"};
        c.priorGroups = {"user", "*"};
        c.comment = "remote";
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("enwiki"), str(doc["wiki_id"]));
        CPPUNIT_ASSERT_EQUAL(std::string("foreignwiki"), str(doc["user"]["wiki_id"]));
        CPPUNIT_ASSERT_EQUAL(int64_t(7), doc["user"]["user_id"].GetInt64());
        CPPUNIT_ASSERT(!doc["user"].HasMember("is_bot"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["*","sysop","user"])"), encoded(doc["user"]["groups"]));
        CPPUNIT_ASSERT_EQUAL(std::string(R"(["*","user"])"), encoded(doc["prior_state"]["user"]["groups"]));
        CPPUNIT_ASSERT_EQUAL(std::string("remote"), str(doc["comment"]));
        CPPUNIT_ASSERT_EQUAL(std::string("https://en.wikipedia.org/wiki/User:ForeignUser"), str(doc["meta"]["uri"]));
    }

    void testForeignUserOfKnownWiki()
    {
        WikiSettings wiki = enwiki();
        wiki.userNamespace = "Benutzer";
        wiki.wikiMap["foreignwiki"] = ForeignWiki{"https://foreign.example.org", "/wiki/$1"};
        UserChange c = change("groups_change");
        c.user = named("Foreign User", 7);
        c.user.wikiId = "foreignwiki";
        auto doc = event(c, wiki);
        CPPUNIT_ASSERT_EQUAL(std::string("https://foreign.example.org/wiki/User:Foreign_User"), str(doc["meta"]["uri"]));
        CPPUNIT_ASSERT_EQUAL(std::string("enwiki"), str(doc["wiki_id"]));
        c.user.wikiId.clear();
        CPPUNIT_ASSERT_EQUAL(std::string("https://en.wikipedia.org/wiki/Benutzer:Foreign_User"), str(event(c, wiki)["meta"]["uri"]));
    }

    void testUnknownFirstRegistrationIsAbsent()
    {
        // The extension wrote the current time here (spec Appendix 8); absent is the truth.
        UserChange c = change("create");
        c.user.firstRegistrationDt.clear();
        CPPUNIT_ASSERT(!event(c)["user"].HasMember("first_registration_dt"));
    }

    void testUnknownKindThrows()
    {
        CPPUNIT_ASSERT_THROW(event(change("delete")), std::invalid_argument);
        CPPUNIT_ASSERT_EQUAL(std::string("insert"), UserChangeEventSerializer::changelogKind("create"));
        CPPUNIT_ASSERT_EQUAL(std::string("update"), UserChangeEventSerializer::changelogKind("rename"));
        CPPUNIT_ASSERT_EQUAL(std::string("update"), UserChangeEventSerializer::changelogKind("groups_change"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UserChangeEventSerializerTest);
