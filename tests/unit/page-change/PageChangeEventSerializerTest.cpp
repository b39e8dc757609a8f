// PageChangeEventSerializer (spec sections 4.1 and 10, PageChangeEventSerializerTest and the
// page_change cases of PageChangeEmissionTest). The archive has no page/change 1.11.0 schema, so
// events are compared whole and field by field against the spec.
#include "PageChangeEventSerializer.h"
#include "PageChangeFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

using namespace pagechangetest;
using namespace eventbus::pagechange;

namespace {

UserState alice()
{
    UserState u;
    u.name = "Alice";
    u.id = 7;
    u.groups = {"*", "user", "autoconfirmed"};
    u.editCount = 10;
    u.registrationDt = "2019-05-05T00:00:00Z";
    u.firstEditDt = "2020-01-01T12:00:00Z";
    u.centralId = 55;
    u.editGlobalCount = 4242;
    return u;
}

PageState mainPage()
{
    PageState p;
    p.id = 123;
    p.title = "Main_Page";
    return p;
}

RevisionState revision456()
{
    RevisionState r;
    r.id = 456;
    r.timestampDt = "2024-01-01T00:00:00Z";
    r.sha1 = "a3kvjf7vqh9qchzi5sl1q87q9hx48pk";
    r.size = 12;
    r.parentId = 0;
    r.comment = "first";
    r.user = alice();
    SlotState main;
    main.role = "main";
    main.model = "wikitext";
    main.sha1 = "a3kvjf7vqh9qchzi5sl1q87q9hx48pk";
    main.size = 12;
    main.originRevId = 456;
    r.slots = {main};
    return r;
}

RevisionState revision457()
{
    RevisionState r = revision456();
    r.id = 457;
    r.timestampDt = "2024-01-02T00:00:00Z";
    r.parentId = 456;
    r.comment = "second";
    r.slots[0].originRevId = 457;
    return r;
}

PageChange change(const std::string& kind)
{
    PageChange c;
    c.kind = kind;
    c.page = mainPage();
    c.revision = kind == "create" ? revision456() : revision457();
    c.performer = alice();
    c.requestId = "fc3a8587259ca5fc085ca830";
    return c;
}

std::string serialized(const PageChange& c, const WikiSettings& wiki = enwiki())
{
    return eventbus::json::encode(PageChangeEventSerializer(wiki, "mediawiki.page_change.v1").toEvent(c));
}

rapidjson::Document event(const PageChange& c)
{
    return parsed(serialized(c));
}

std::string encoded(const rapidjson::Value& v)
{
    return eventbus::json::encode(v);
}

const char* const kAliceEntity =
    R"({"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki",)"
    R"("first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z",)"
    R"("user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242})";

} // namespace

class PageChangeEventSerializerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PageChangeEventSerializerTest);
    CPPUNIT_TEST(testConstants);
    CPPUNIT_TEST(testCreateEventIsTheSpecExample);
    CPPUNIT_TEST(testEditGlobalCountOnPerformerAndEditor);
    CPPUNIT_TEST(testEditGlobalCountOmittedWhenUnknown);
    CPPUNIT_TEST(testEditGlobalCountNeedsCentralId);
    CPPUNIT_TEST(testEditHasFullParentAsPriorState);
    CPPUNIT_TEST(testEditWithExactManualRevert);
    CPPUNIT_TEST(testRevertWithoutOriginalId);
    CPPUNIT_TEST(testMove);
    CPPUNIT_TEST(testMoveToOtherNamespaceListsEveryDifference);
    CPPUNIT_TEST(testDelete);
    CPPUNIT_TEST(testDeleteWithoutTimeIsNow);
    CPPUNIT_TEST(testSuppressedDelete);
    CPPUNIT_TEST(testDeletedRedirectLinksToTargetWithoutPageId);
    CPPUNIT_TEST(testUndelete);
    CPPUNIT_TEST(testWikibaseItemIds);
    CPPUNIT_TEST(testInterwikiRedirectTarget);
    CPPUNIT_TEST(testVisibilityChange);
    CPPUNIT_TEST(testVisibilityChangeOfRestrictedBitOnlyIsAnEmptyObject);
    CPPUNIT_TEST(testHiddenEditorAndCommentAreAbsent);
    CPPUNIT_TEST(testUnknownKindThrows);
    CPPUNIT_TEST(testDomainAndWikiId);
    CPPUNIT_TEST_SUITE_END();

public:
    void testConstants()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("/mediawiki/page/change/1.11.0"), std::string(PageChangeEventSerializer::kSchema));
        CPPUNIT_ASSERT_EQUAL(std::string("1.3.0"), std::string(PageChangeEventSerializer::kUserEntityVersion));
        CPPUNIT_ASSERT_EQUAL(std::string("2.0.0"), std::string(PageChangeEventSerializer::kRevisionEntityVersion));
        CPPUNIT_ASSERT_EQUAL(std::string("2.0.1"), std::string(PageChangeEventSerializer::kRevisionSlotsVersion));
        CPPUNIT_ASSERT_EQUAL(std::string("1.0.0"), std::string(PageChangeEventSerializer::kPageLinkVersion));
        CPPUNIT_ASSERT_EQUAL(std::string("2.1.0"), std::string(PageChangeEventSerializer::kPageEntityVersion));
        CPPUNIT_ASSERT_EQUAL(std::string("insert"), PageChangeEventSerializer::changelogKind("create"));
        CPPUNIT_ASSERT_EQUAL(std::string("update"), PageChangeEventSerializer::changelogKind("edit"));
        CPPUNIT_ASSERT_EQUAL(std::string("update"), PageChangeEventSerializer::changelogKind("move"));
        CPPUNIT_ASSERT_EQUAL(std::string("update"), PageChangeEventSerializer::changelogKind("visibility_change"));
        CPPUNIT_ASSERT_EQUAL(std::string("delete"), PageChangeEventSerializer::changelogKind("delete"));
        CPPUNIT_ASSERT_EQUAL(std::string("insert"), PageChangeEventSerializer::changelogKind("undelete"));
    }

    void testCreateEventIsTheSpecExample()
    {
        // Section 4.1's example, with the editor written out and meta.dt (which we add) = dt.
        const std::string expected =
            std::string(R"({"changelog_kind":"insert","page_change_kind":"create","dt":"2024-01-01T00:00:00Z","wiki_id":"enwiki",)")
            + R"("page":{"page_id":123,"page_title":"Main_Page","namespace_id":0,"is_redirect":false,"namespace_is_content":true},)"
            + R"("performer":)" + kAliceEntity + ","
            + R"("revision":{"rev_id":456,"rev_dt":"2024-01-01T00:00:00Z","is_minor_edit":false,"rev_sha1":"a3kvjf7vqh9qchzi5sl1q87q9hx48pk",)"
            + R"("rev_size":12,"rev_parent_id":0,"comment":"first","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true,)"
            + R"("editor":)" + kAliceEntity + ","
            + R"("content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"a3kvjf7vqh9qchzi5sl1q87q9hx48pk",)"
            + R"("content_size":12,"content_format":"text/x-wiki","origin_rev_id":456}}},)"
            + R"("$schema":"/mediawiki/page/change/1.11.0",)"
            + R"("meta":{"stream":"mediawiki.page_change.v1","uri":"https://en.wikipedia.org/wiki/Main_Page","id":"<id>",)"
            + R"("domain":"en.wikipedia.org","dt":"2024-01-01T00:00:00Z","request_id":"fc3a8587259ca5fc085ca830"}})";
        CPPUNIT_ASSERT_EQUAL(expected, normalised(serialized(change("create"))));
    }

    void testEditGlobalCountOnPerformerAndEditor()
    {
        auto doc = event(change("edit"));
        CPPUNIT_ASSERT_EQUAL(int64_t(4242), doc["performer"]["edit_global_count"].GetInt64());
        CPPUNIT_ASSERT_EQUAL(int64_t(4242), doc["revision"]["editor"]["edit_global_count"].GetInt64());
    }

    void testEditGlobalCountOmittedWhenUnknown()
    {
        PageChange c = change("edit");
        c.performer->editGlobalCount.reset();
        c.revision.user->editGlobalCount.reset();
        auto doc = event(c);
        CPPUNIT_ASSERT(!doc["performer"].HasMember("edit_global_count"));
        CPPUNIT_ASSERT(!doc["revision"]["editor"].HasMember("edit_global_count"));
        CPPUNIT_ASSERT_EQUAL(int64_t(55), doc["performer"]["user_central_id"].GetInt64());
    }

    void testEditGlobalCountNeedsCentralId()
    {
        PageChange c = change("edit");
        c.performer->centralId = 0;
        auto doc = event(c);
        CPPUNIT_ASSERT(!doc["performer"].HasMember("edit_global_count"));
        CPPUNIT_ASSERT(!doc["performer"].HasMember("user_central_id"));
    }

    void testEditHasFullParentAsPriorState()
    {
        PageChange c = change("edit");
        c.parentRevision = revision456();
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("update"), std::string(doc["changelog_kind"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("edit"), std::string(doc["page_change_kind"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-01-02T00:00:00Z"), std::string(doc["dt"].GetString()));
        auto create = event(change("create"));
        CPPUNIT_ASSERT_EQUAL(encoded(create["revision"]), encoded(doc["prior_state"]["revision"]));
        CPPUNIT_ASSERT(!doc["revision"].HasMember("revert"));
        c.parentRevision.reset();
        CPPUNIT_ASSERT(!event(c).HasMember("prior_state"));
    }

    void testEditWithExactManualRevert()
    {
        PageChange c = change("edit");
        EditResult result;
        result.isRevert = true;
        result.revertMethod = "manual";
        result.isExactRevert = true;
        result.originalRevId = 400;
        result.originalRevDt = "2023-01-01T00:00:00Z";
        result.oldestRevertedRevId = 401;
        result.newestRevertedRevId = 455;
        c.editResult = result;
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"method":"manual","is_exact":true,"rev_original_id":400,)"
                                         R"("rev_original_dt":"2023-01-01T00:00:00Z","rev_reverted_oldest_id":401,)"
                                         R"("rev_reverted_newest_id":455})"),
                             encoded(doc["revision"]["revert"]));
        result.isRevert = false;
        c.editResult = result;
        CPPUNIT_ASSERT(!event(c)["revision"].HasMember("revert"));
    }

    void testRevertWithoutOriginalId()
    {
        PageChange c = change("edit");
        EditResult result;
        result.isRevert = true;
        result.revertMethod = "rollback";
        result.originalRevDt = "2023-01-01T00:00:00Z";
        result.oldestRevertedRevId = 401;
        result.newestRevertedRevId = 455;
        c.editResult = result;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"method":"rollback","is_exact":false,"rev_reverted_oldest_id":401,"rev_reverted_newest_id":455})"),
                             encoded(event(c)["revision"]["revert"]));
    }

    void testMove()
    {
        auto events = eventsOf("page-change/page-moved", fixture("page-change/page-moved"));
        CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
        auto doc = parsed(events[0]);
        CPPUNIT_ASSERT_EQUAL(std::string("update"), std::string(doc["changelog_kind"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("move"), std::string(doc["page_change_kind"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-01-05T00:00:00Z"), std::string(doc["dt"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("better name"), std::string(doc["comment"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_id":124,"page_title":"Old_Title","namespace_id":0,"is_redirect":true,"namespace_is_content":true})"),
                             encoded(doc["created_redirect_page"]));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"Old_Title"})"), encoded(doc["prior_state"]["page"]));
        CPPUNIT_ASSERT_EQUAL(int64_t(457), doc["prior_state"]["revision"]["rev_id"].GetInt64());
        CPPUNIT_ASSERT(doc["prior_state"]["revision"].HasMember("editor"));
        CPPUNIT_ASSERT(doc["revision"]["is_minor_edit"].GetBool());
        CPPUNIT_ASSERT_EQUAL(std::string("https://en.wikipedia.org/wiki/New_Title"), std::string(doc["meta"]["uri"].GetString()));
        auto noRedirect = parsed(eventsOf("page-change/page-moved",
                                          edited(fixture("page-change/page-moved"), {{"/redirect_page", "<remove>"}}))[0]);
        CPPUNIT_ASSERT(!noRedirect.HasMember("created_redirect_page"));
    }

    void testMoveToOtherNamespaceListsEveryDifference()
    {
        PageChange c = change("move");
        c.pageBefore = mainPage();
        c.page.title = "Talk:Main_Page";
        c.page.namespaceId = 1;
        c.comment = "";
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"Main_Page","namespace_id":0,"namespace_is_content":true})"),
                             encoded(doc["prior_state"]["page"]));
        CPPUNIT_ASSERT_EQUAL(std::string(""), std::string(doc["comment"].GetString()));
    }

    void testDelete()
    {
        PageChange c = change("delete");
        c.eventDt = "2024-02-02T10:00:00Z";
        c.comment = "spam";
        c.archivedRevisionCount = 1;
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("delete"), std::string(doc["changelog_kind"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-02-02T10:00:00Z"), std::string(doc["dt"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-02-02T10:00:00Z"), std::string(doc["meta"]["dt"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("spam"), std::string(doc["comment"].GetString()));
        CPPUNIT_ASSERT_EQUAL(int64_t(1), doc["page"]["revision_count"].GetInt64());
        CPPUNIT_ASSERT(doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc.HasMember("prior_state"));
    }

    void testDeleteWithoutTimeIsNow()
    {
        auto doc = event(change("delete"));
        CPPUNIT_ASSERT_EQUAL(std::string(doc["meta"]["dt"].GetString()), std::string(doc["dt"].GetString()));
        CPPUNIT_ASSERT(std::string(doc["dt"].GetString()) > std::string("2025-01-01T00:00:00Z"));
    }

    void testSuppressedDelete()
    {
        PageChange c = change("delete");
        c.eventDt = "2024-02-02T10:00:00Z";
        c.comment = "oversight";
        c.isSuppressed = true;
        c.revision.visibility = DELETED_USER;
        c.revision.user.reset();
        const std::string expected =
            R"({"changelog_kind":"delete","page_change_kind":"delete","dt":"2024-02-02T10:00:00Z","wiki_id":"enwiki",)"
            R"("page":{"page_id":123,"page_title":"Main_Page","namespace_id":0,"is_redirect":false,"namespace_is_content":true},)"
            R"("comment":"oversight",)"
            R"("revision":{"rev_id":457,"rev_dt":"2024-01-02T00:00:00Z","is_minor_edit":false,"rev_parent_id":456,)"
            R"("is_content_visible":false,"is_editor_visible":false,"is_comment_visible":false},)"
            R"("prior_state":{"revision":{"is_content_visible":true,"is_editor_visible":false,"is_comment_visible":true}},)"
            R"("$schema":"/mediawiki/page/change/1.11.0",)"
            R"("meta":{"stream":"mediawiki.page_change.v1","uri":"https://en.wikipedia.org/wiki/Main_Page","id":"<id>",)"
            R"("domain":"en.wikipedia.org","dt":"2024-02-02T10:00:00Z","request_id":"fc3a8587259ca5fc085ca830"}})";
        CPPUNIT_ASSERT_EQUAL(expected, normalised(serialized(c)));
    }

    void testDeletedRedirectLinksToTargetWithoutPageId()
    {
        PageChange c = change("delete");
        c.page.isRedirect = true;
        LinkTarget target;
        target.title = "New_Title";
        target.pageId = 200;
        target.isRedirect = false;
        c.redirectTarget = target;
        auto doc = event(c);
        CPPUNIT_ASSERT(doc["page"]["is_redirect"].GetBool());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"New_Title","namespace_id":0})"), encoded(doc["page"]["redirect_page_link"]));
    }

    void testUndelete()
    {
        PageChange c = change("undelete");
        c.comment = "restore";
        c.eventDt = "2024-03-03T00:00:00Z";
        c.oldPageId = c.page.id + 100;
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("insert"), std::string(doc["changelog_kind"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("undelete"), std::string(doc["page_change_kind"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page":{"page_id":223}})"), encoded(doc["prior_state"]));
        c.oldPageId = c.page.id;
        CPPUNIT_ASSERT(!event(c).HasMember("prior_state"));
        c.oldPageId = 0;
        CPPUNIT_ASSERT(!event(c).HasMember("prior_state"));
    }

    void testWikibaseItemIds()
    {
        PageChange c = change("edit");
        c.page.wikibaseItemId = "Q42";
        LinkTarget target;
        target.title = "Target";
        target.pageId = 50;
        target.wikibaseItemId = "Q937";
        c.redirectTarget = target;
        c.page.isRedirect = true;
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string("Q42"), std::string(doc["page"]["wikibase_item_id"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"Target","namespace_id":0,"page_id":50,"is_redirect":false,"wikibase_item_id":"Q937"})"),
                             encoded(doc["page"]["redirect_page_link"]));
        auto plain = event(change("edit"));
        CPPUNIT_ASSERT(!plain["page"].HasMember("wikibase_item_id"));
        CPPUNIT_ASSERT(!plain["page"].HasMember("redirect_page_link"));
    }

    void testInterwikiRedirectTarget()
    {
        PageChange c = change("edit");
        LinkTarget target;
        target.title = "Foo";
        target.interwiki = "en";
        target.pageId = 50;
        target.wikibaseItemId = "Q1";
        c.redirectTarget = target;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"en:Foo","namespace_id":0,"interwiki_prefix":"en"})"),
                             encoded(event(c)["page"]["redirect_page_link"]));
    }

    void testVisibilityChange()
    {
        PageChange c = change("visibility_change");
        c.eventDt = "2024-04-04T00:00:00Z";
        c.revision.visibility = DELETED_COMMENT | DELETED_USER;
        c.revision.user.reset();
        c.revision.comment.reset();
        auto doc = event(c);
        CPPUNIT_ASSERT(doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc.HasMember("comment"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"revision":{"is_editor_visible":true,"is_comment_visible":true}})"), encoded(doc["prior_state"]));
        CPPUNIT_ASSERT(!doc["revision"]["is_editor_visible"].GetBool());
        CPPUNIT_ASSERT(doc["revision"]["is_content_visible"].GetBool());
    }

    void testVisibilityChangeOfRestrictedBitOnlyIsAnEmptyObject()
    {
        // The extension encoded the empty map as [] (spec Appendix 7); an object is what the field is.
        PageChange c = change("visibility_change");
        c.revision.visibility = DELETED_RESTRICTED;
        c.priorVisibility = 0;
        c.performer.reset();
        auto doc = event(c);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"revision":{}})"), encoded(doc["prior_state"]));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
    }

    void testHiddenEditorAndCommentAreAbsent()
    {
        PageChange c = change("edit");
        c.revision.user.reset();
        c.revision.comment.reset();
        c.revision.visibility = DELETED_USER | DELETED_COMMENT;
        auto doc = event(c);
        CPPUNIT_ASSERT(!doc["revision"].HasMember("editor"));
        CPPUNIT_ASSERT(!doc["revision"].HasMember("comment"));
        c = change("edit");
        c.revision.comment = "";
        CPPUNIT_ASSERT_EQUAL(std::string(""), std::string(event(c)["revision"]["comment"].GetString()));
    }

    void testUnknownKindThrows()
    {
        CPPUNIT_ASSERT_THROW(event(change("rename")), std::invalid_argument);
    }

    void testDomainAndWikiId()
    {
        WikiSettings wiki = enwiki();
        wiki.domain = "wiki.example";
        wiki.wikiId = "enwiki-prefix";
        auto doc = parsed(serialized(change("edit"), wiki));
        CPPUNIT_ASSERT_EQUAL(std::string("wiki.example"), std::string(doc["meta"]["domain"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("enwiki-prefix"), std::string(doc["wiki_id"].GetString()));
        PageChange c = change("edit");
        c.page.wikiId = "otherwiki";
        CPPUNIT_ASSERT_EQUAL(std::string("otherwiki"), std::string(event(c)["wiki_id"].GetString()));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageChangeEventSerializerTest);
