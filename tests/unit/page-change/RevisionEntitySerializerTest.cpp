// RevisionEntitySerializer: revision entity and content_slots (spec sections 4.4, 4.5 and 10).
#include "PageChangeFixtures.h"
#include "RevisionEntitySerializer.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace pagechangetest;
using namespace eventbus::pagechange;

namespace {

RevisionState revision()
{
    RevisionState r;
    r.id = 42;
    r.timestampDt = "2017-10-17T11:48:35Z";
    r.sha1 = "a3kvjf7vqh9qchzi5sl1q87q9hx48pk";
    r.size = 46;
    r.parentId = 41;
    r.comment = "summary";
    return r;
}

std::string encode(const rapidjson::Value& v)
{
    return eventbus::json::encode(v);
}

} // namespace

class RevisionEntitySerializerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(RevisionEntitySerializerTest);
    CPPUNIT_TEST(testEntity);
    CPPUNIT_TEST(testParentZeroIsKeptAndNullIsAbsent);
    CPPUNIT_TEST(testVisibilityFlags);
    CPPUNIT_TEST(testSlotWithDefaultFormat);
    CPPUNIT_TEST(testSlotOfUnknownModelHasNoFormat);
    CPPUNIT_TEST(testFullEntityWithoutEditorOrSlots);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEntity()
    {
        WikiSettings wiki = enwiki();
        UserEntitySerializer users(wiki);
        rapidjson::Document doc;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"rev_id":42,"rev_dt":"2017-10-17T11:48:35Z","is_minor_edit":false,)"
                                         R"("rev_sha1":"a3kvjf7vqh9qchzi5sl1q87q9hx48pk","rev_size":46,"rev_parent_id":41,)"
                                         R"("comment":"summary","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true})"),
                             encode(RevisionEntitySerializer(users, "1.3.0").toEntity(revision(), doc.GetAllocator())));
    }

    void testParentZeroIsKeptAndNullIsAbsent()
    {
        WikiSettings wiki = enwiki();
        UserEntitySerializer users(wiki);
        RevisionEntitySerializer serializer(users, "1.3.0");
        rapidjson::Document doc;
        RevisionState r = revision();
        r.parentId = 0;
        CPPUNIT_ASSERT(encode(serializer.toEntity(r, doc.GetAllocator())).find("\"rev_parent_id\":0") != std::string::npos);
        r.parentId.reset();
        r.comment = "";
        const std::string json = encode(serializer.toEntity(r, doc.GetAllocator()));
        CPPUNIT_ASSERT(json.find("rev_parent_id") == std::string::npos);
        CPPUNIT_ASSERT(json.find("\"comment\":\"\"") != std::string::npos);
    }

    void testVisibilityFlags()
    {
        rapidjson::Document doc;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"is_content_visible":false,"is_editor_visible":true,"is_comment_visible":false})"),
                             encode(RevisionEntitySerializer::visibilityFlags(DELETED_TEXT | DELETED_COMMENT, doc.GetAllocator())));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"is_content_visible":false,"is_editor_visible":false,"is_comment_visible":false})"),
                             encode(RevisionEntitySerializer::visibilityFlags(15, doc.GetAllocator())));
    }

    void testSlotWithDefaultFormat()
    {
        WikiSettings wiki = enwiki();
        UserEntitySerializer users(wiki);
        rapidjson::Document doc;
        SlotState main;
        main.role = "main";
        main.model = "text";
        main.sha1 = "3r00jk1xoatd95ko7lnjrdtvi79jort";
        main.size = 3;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"main":{"slot_role":"main","content_model":"text","content_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort",)"
                                         R"("content_size":3,"content_format":"text/plain"}})"),
                             encode(RevisionEntitySerializer(users, "1.3.0").contentSlots({main}, doc.GetAllocator())));
        CPPUNIT_ASSERT_EQUAL(std::string("text/x-wiki"), RevisionEntitySerializer::defaultFormat("wikitext"));
    }

    void testSlotOfUnknownModelHasNoFormat()
    {
        WikiSettings wiki = enwiki();
        UserEntitySerializer users(wiki);
        rapidjson::Document doc;
        SlotState slot;
        slot.role = "mediainfo";
        slot.model = "unknown-model";
        slot.sha1 = "x";
        slot.size = 1;
        slot.originRevId = 9;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"mediainfo":{"slot_role":"mediainfo","content_model":"unknown-model","content_sha1":"x",)"
                                         R"("content_size":1,"origin_rev_id":9}})"),
                             encode(RevisionEntitySerializer(users, "1.3.0").contentSlots({slot}, doc.GetAllocator())));
    }

    void testFullEntityWithoutEditorOrSlots()
    {
        WikiSettings wiki = enwiki();
        UserEntitySerializer users(wiki);
        rapidjson::Document doc;
        const std::string json = encode(RevisionEntitySerializer(users, "1.3.0").toFullEntity(revision(), doc.GetAllocator()));
        CPPUNIT_ASSERT(json.find("\"editor\":") == std::string::npos);
        CPPUNIT_ASSERT(json.find("content_slots") == std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RevisionEntitySerializerTest);
