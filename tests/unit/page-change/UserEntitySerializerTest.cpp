// UserEntitySerializer (spec sections 4.6 and 10, UserEntitySerializerTest): field order,
// version gating, anonymous, registered and foreign users.
#include "PageChangeFixtures.h"
#include "UserEntitySerializer.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace pagechangetest;
using namespace eventbus::pagechange;

namespace {

UserState anonymous()
{
    UserState u;
    u.name = "127.0.0.1";
    u.groups = {"*"};
    return u;
}

UserState registered()
{
    UserState u;
    u.name = "Alice";
    u.id = 7;
    u.groups = {"*", "user", "autoconfirmed"};
    u.editCount = 10;
    u.registrationDt = "2019-05-05T00:00:00Z";
    u.firstEditDt = "2020-01-01T12:00:00Z";
    u.centralId = 55;
    return u;
}

UserState foreign()
{
    UserState u;
    u.name = "ForeignUser";
    u.id = 7;
    u.groups = {"*", "user"};
    u.editCount = 17;
    u.centralId = 42;
    u.wikiId = "foreignwiki";
    return u;
}

std::string entity(const UserState& user, const std::string& version)
{
    rapidjson::Document doc;
    WikiSettings wiki = enwiki();
    return eventbus::json::encode(UserEntitySerializer(wiki).toEntity(user, doc.GetAllocator(), version));
}

bool has(const std::string& json, const std::string& key)
{
    return json.find("\"" + key + "\":") != std::string::npos;
}

} // namespace

class UserEntitySerializerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UserEntitySerializerTest);
    CPPUNIT_TEST(testAnonymous);
    CPPUNIT_TEST(testRegistered);
    CPPUNIT_TEST(testVersionGating);
    CPPUNIT_TEST(testForeignUser);
    CPPUNIT_TEST(testForeignUserWithoutEditCountOrCentralId);
    CPPUNIT_TEST(testForeignUserWithoutLocalAccount);
    CPPUNIT_TEST(testBotAndSystemFlags);
    CPPUNIT_TEST_SUITE_END();

public:
    void testAnonymous()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"user_text":"127.0.0.1","groups":["*"],"is_temp":false,"is_bot":false,"is_system":false})"),
                             entity(anonymous(), UserEntitySerializer::kEarliestVersion));
    }

    void testRegistered()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,)"
                                         R"("user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z",)"
                                         R"("user_central_id":55,"is_bot":false,"is_system":false})"),
                             entity(registered(), "1.1.0"));
    }

    void testVersionGating()
    {
        CPPUNIT_ASSERT(!has(entity(registered(), "1.1.0"), "wiki_id"));
        CPPUNIT_ASSERT(entity(registered(), "1.2.0").find("\"wiki_id\":\"enwiki\"") != std::string::npos);
        CPPUNIT_ASSERT(entity(anonymous(), "1.2.0").find("\"wiki_id\":\"enwiki\"") != std::string::npos);
        CPPUNIT_ASSERT(!has(entity(registered(), "1.2.0"), "first_edit_dt"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,)"
                                         R"("wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,)"
                                         R"("registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false})"),
                             entity(registered(), "1.3.0"));
        UserState anon = anonymous();
        anon.firstEditDt = "2020-01-01T12:00:00Z";
        CPPUNIT_ASSERT(!has(entity(anon, "1.3.0"), "first_edit_dt"));
    }

    void testForeignUser()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"user_text":"ForeignUser","groups":["*","user"],"is_temp":false,"wiki_id":"foreignwiki",)"
                                         R"("user_id":7,"edit_count":17,"user_central_id":42})"),
                             entity(foreign(), "1.2.0"));
        const std::string old = entity(foreign(), "1.1.0");
        CPPUNIT_ASSERT(!has(old, "wiki_id") && !has(old, "is_bot") && !has(old, "is_system"));
    }

    void testForeignUserWithoutEditCountOrCentralId()
    {
        UserState u = foreign();
        u.editCount.reset();
        u.centralId = 0;
        const std::string json = entity(u, "1.2.0");
        CPPUNIT_ASSERT(!has(json, "edit_count"));
        CPPUNIT_ASSERT(!has(json, "user_central_id"));
        CPPUNIT_ASSERT(has(json, "user_id"));
    }

    void testForeignUserWithoutLocalAccount()
    {
        UserState u = foreign();
        u.id = 0;
        const std::string json = entity(u, "1.2.0");
        CPPUNIT_ASSERT(!has(json, "user_id"));
        CPPUNIT_ASSERT(json.find("\"wiki_id\":\"foreignwiki\"") != std::string::npos);
    }

    void testBotAndSystemFlags()
    {
        UserState u = registered();
        u.isBot = true;
        u.isSystem = true;
        CPPUNIT_ASSERT(entity(u, "1.3.0").find("\"is_bot\":true,\"is_system\":true") != std::string::npos);
        UserState anon = anonymous();
        anon.isBot = true;
        CPPUNIT_ASSERT(entity(anon, "1.3.0").find("\"is_bot\":false") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UserEntitySerializerTest);
