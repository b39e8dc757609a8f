// EventBusHooks through the decoder (spec sections 5.1 and 10, EventBusHooksTest and the legacy
// cases of EventFactoryTest): each hook route's example payload gives exactly the event written out
// below, every legacy event passes the shared schema validator, and each hook condition (null
// edit, EDIT_NEW, suppression, restricted bits, empty link updates, missing revisions) holds.
#include "LegacyEventSerializer.h"
#include "PageChangeFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace pagechangetest;

namespace {

const std::string kPageCreate = R"JSON({"$schema":"/mediawiki/revision/create/2.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.page-create","dt":"2024-01-01T00:00:00Z"},"database":"enwiki","page_id":123,"page_title":"Main_Page","page_namespace":0,"rev_id":456,"rev_timestamp":"2024-01-01T00:00:00Z","rev_sha1":"a3kvjf7vqh9qchzi5sl1q87q9hx48pk","rev_minor_edit":false,"rev_len":12,"rev_content_model":"wikitext","rev_content_format":"text/x-wiki","performer":{"user_text":"Alice","user_groups":["*","user","autoconfirmed"],"user_is_bot":false,"user_id":7,"user_registration_dt":"2019-05-05T00:00:00Z","user_edit_count":10},"page_is_redirect":false,"comment":"first","parsedcomment":"first","dt":"2024-01-01T00:00:00Z","rev_slots":{"main":{"rev_slot_content_model":"wikitext","rev_slot_sha1":"a3kvjf7vqh9qchzi5sl1q87q9hx48pk","rev_slot_size":12,"rev_slot_origin_rev_id":456}}})JSON";
const std::string kRevisionCreate = R"JSON({"$schema":"/mediawiki/revision/create/2.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.revision-create","dt":"2024-01-02T00:00:00Z"},"database":"enwiki","page_id":123,"page_title":"Main_Page","page_namespace":0,"rev_id":457,"rev_timestamp":"2024-01-02T00:00:00Z","rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_minor_edit":true,"rev_len":3,"rev_content_model":"wikitext","rev_content_format":"text/x-wiki","performer":{"user_text":"Alice","user_groups":["*","user","autoconfirmed"],"user_is_bot":false,"user_id":7,"user_registration_dt":"2019-05-05T00:00:00Z","user_edit_count":10},"page_is_redirect":false,"comment":"tweak","rev_parent_id":456,"dt":"2024-01-02T00:00:00Z","rev_slots":{"main":{"rev_slot_content_model":"wikitext","rev_slot_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_slot_size":3,"rev_slot_origin_rev_id":457},"sidetext":{"rev_slot_content_model":"text","rev_slot_sha1":"hj5t2yi95v1hhdjtzfn6itv3efu4ltg","rev_slot_size":14,"rev_slot_origin_rev_id":42}},"rev_content_changed":true})JSON";
const std::string kPageDelete = R"JSON({"$schema":"/mediawiki/page/delete/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.page-delete","dt":"2024-01-03T00:00:00Z"},"database":"enwiki","page_id":123,"page_title":"Main_Page","page_namespace":0,"page_is_redirect":false,"performer":{"user_text":"Admin","user_groups":["*","user","autoconfirmed","sysop"],"user_is_bot":false,"user_id":1,"user_registration_dt":"2010-01-01T00:00:00Z","user_edit_count":500},"rev_id":457,"rev_count":2,"comment":"testreason","parsedcomment":"testreason"})JSON";
const std::string kPageUndelete = R"JSON({"$schema":"/mediawiki/page/undelete/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.page-undelete","dt":"2024-01-04T00:00:00Z"},"database":"enwiki","performer":{"user_text":"Admin","user_groups":["*","user","autoconfirmed","sysop"],"user_is_bot":false,"user_id":1,"user_registration_dt":"2010-01-01T00:00:00Z","user_edit_count":500},"page_id":123,"page_title":"Main_Page","page_namespace":0,"page_is_redirect":false,"rev_id":457,"prior_state":{"page_id":165},"comment":"restore","parsedcomment":"restore"})JSON";
const std::string kPageMove = R"JSON({"$schema":"/mediawiki/page/move/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/New_Title","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.page-move","dt":"2024-01-05T00:00:00Z"},"database":"enwiki","performer":{"user_text":"Admin","user_groups":["*","user","autoconfirmed","sysop"],"user_is_bot":false,"user_id":1,"user_registration_dt":"2010-01-01T00:00:00Z","user_edit_count":500},"page_id":123,"page_title":"New_Title","page_namespace":0,"page_is_redirect":false,"rev_id":458,"prior_state":{"page_title":"Old_Title","page_namespace":0,"rev_id":457},"new_redirect_page":{"page_id":124,"page_title":"Old_Title","page_namespace":0,"rev_id":459},"comment":"Comment","parsedcomment":"Comment"})JSON";
const std::string kVisibilityChange = R"JSON({"$schema":"/mediawiki/revision/visibility-change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.revision-visibility-change","dt":"2024-01-06T00:00:00Z"},"database":"enwiki","page_id":123,"page_title":"Main_Page","page_namespace":0,"rev_id":457,"rev_timestamp":"2024-01-02T00:00:00Z","rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_minor_edit":true,"rev_len":3,"rev_content_model":"wikitext","rev_content_format":"text/x-wiki","performer":{"user_text":"Admin","user_groups":["*","user","autoconfirmed","sysop"],"user_is_bot":false,"user_id":1,"user_registration_dt":"2010-01-01T00:00:00Z","user_edit_count":500},"page_is_redirect":false,"comment":"tweak","rev_parent_id":456,"visibility":{"text":true,"user":false,"comment":true},"prior_state":{"visibility":{"text":false,"user":true,"comment":true}}})JSON";
const std::string kPurge = R"JSON({"$schema":"/resource_change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"resource_change","dt":"<now>"},"tags":["purge"]})JSON";
const std::string kBlocksChange = R"JSON({"$schema":"/mediawiki/user/blocks-change/1.1.0","meta":{"uri":"https://en.wikipedia.org/wiki/User:Vandal","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.user-blocks-change","dt":"2024-01-07T00:00:00Z"},"database":"enwiki","performer":{"user_text":"Admin","user_groups":["*","user","autoconfirmed","sysop"],"user_is_bot":false,"user_id":1,"user_registration_dt":"2010-01-01T00:00:00Z","user_edit_count":500},"comment":"spam","user_text":"Vandal","user_id":99,"user_groups":["*","user"],"blocks":{"name":false,"email":true,"user_talk":true,"account_create":true,"sitewide":false,"restrictions":[{"type":"page","value":1},{"type":"ns","value":2}],"expiry_dt":"2025-01-01T00:00:00Z"},"prior_state":{"blocks":{"name":false,"email":false,"user_talk":false,"account_create":false,"sitewide":false,"restrictions":[{"type":"ns","value":2},{"type":"page","value":1}]}}})JSON";
const std::string kPropertiesChange = R"JSON({"$schema":"/mediawiki/page/properties-change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.page-properties-change","dt":"2024-01-08T00:00:00Z"},"database":"enwiki","page_id":123,"page_title":"Main_Page","page_namespace":0,"page_is_redirect":false,"rev_id":457,"performer":{"user_text":"Alice","user_groups":["*","user","autoconfirmed"],"user_is_bot":false,"user_id":7,"user_registration_dt":"2019-05-05T00:00:00Z","user_edit_count":10},"added_properties":{"wikibase_item":"Q42"},"removed_properties":{"defaultsort":"Page, Main"}})JSON";
const std::string kLinksChange = R"JSON({"$schema":"/mediawiki/page/links-change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.page-links-change","dt":"2024-01-08T00:00:00Z"},"database":"enwiki","page_id":123,"page_title":"Main_Page","page_namespace":0,"page_is_redirect":false,"rev_id":457,"performer":{"user_text":"Alice","user_groups":["*","user","autoconfirmed"],"user_is_bot":false,"user_id":7,"user_registration_dt":"2019-05-05T00:00:00Z","user_edit_count":10},"added_links":[{"link":"/wiki/Added_link_1%3F_%3D","external":false},{"link":"/wiki/Talk:Foo_bar","external":false},{"link":"https://example.org/a%3Fb%3Dc%26d%23e","external":true}],"removed_links":[{"link":"/wiki/Removed_link","external":false}]})JSON";
const std::string kRestrictionsChange = R"JSON({"$schema":"/mediawiki/page/restrictions-change/2.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.page-restrictions-change","dt":"2024-01-09T00:00:00Z"},"database":"enwiki","performer":{"user_text":"Admin","user_groups":["*","user","autoconfirmed","sysop"],"user_is_bot":false,"user_id":1,"user_registration_dt":"2010-01-01T00:00:00Z","user_edit_count":500},"page_id":123,"page_title":"Main_Page","page_namespace":0,"page_is_redirect":false,"reason":"vandalism","page_restrictions":{"edit":"sysop","move":""},"rev_id":457})JSON";
const std::string kTagsChange = R"JSON({"$schema":"/mediawiki/revision/tags-change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Main_Page","request_id":"fc3a8587259ca5fc085ca830","id":"<id>","domain":"en.wikipedia.org","stream":"mediawiki.revision-tags-change","dt":"2024-01-10T00:00:00Z"},"database":"enwiki","page_id":123,"page_title":"Main_Page","page_namespace":0,"rev_id":457,"rev_timestamp":"2024-01-02T00:00:00Z","rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_minor_edit":true,"rev_len":3,"rev_content_model":"wikitext","rev_content_format":"text/x-wiki","performer":{"user_text":"Admin","user_groups":["*","user","autoconfirmed","sysop"],"user_is_bot":false,"user_id":1,"user_registration_dt":"2010-01-01T00:00:00Z","user_edit_count":500},"page_is_redirect":false,"comment":"tweak","rev_parent_id":456,"tags":["e1","a1"],"prior_state":{"tags":["e1","e2"]}})JSON";

std::string only(const std::vector<std::string>& events)
{
    CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
    return events[0];
}

} // namespace

class LegacyHookEventsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LegacyHookEventsTest);
    CPPUNIT_TEST(testPageSaveWithEditNewGivesPageCreate);
    CPPUNIT_TEST(testPageSaveWithoutEditNewGivesNothing);
    CPPUNIT_TEST(testNullEditGivesResourceChange);
    CPPUNIT_TEST(testRevisionRecordInserted);
    CPPUNIT_TEST(testRevisionCreateWithoutParent);
    CPPUNIT_TEST(testRevisionCreateHiddenUserHasNoPerformer);
    CPPUNIT_TEST(testPageDelete);
    CPPUNIT_TEST(testPageSuppressHasNoPerformer);
    CPPUNIT_TEST(testPageUndelete);
    CPPUNIT_TEST(testUndeleteWithSameOldIdHasNoPriorState);
    CPPUNIT_TEST(testPageMove);
    CPPUNIT_TEST(testPageMoveWithoutRedirect);
    CPPUNIT_TEST(testVisibilityChangeSkipsMissingRevisions);
    CPPUNIT_TEST(testVisibilityChangeRestrictedHasNoPerformer);
    CPPUNIT_TEST(testVisibilityChangeWithNoRevisionsSendsNothing);
    CPPUNIT_TEST(testArticlePurge);
    CPPUNIT_TEST(testBlockIpComplete);
    CPPUNIT_TEST(testBlockOfIpRangeHasNoUserGroups);
    CPPUNIT_TEST(testBlockWithoutPriorBlockHasNoPriorState);
    CPPUNIT_TEST(testLinksUpdateGivesPropertiesThenLinks);
    CPPUNIT_TEST(testLinksUpdateWithoutChangesGivesNothing);
    CPPUNIT_TEST(testLinksUpdateOnlyPropertiesWithoutUser);
    CPPUNIT_TEST(testLinksUpdateRemovedOnlyAndLatestRevision);
    CPPUNIT_TEST(testBinaryPropertyValuesAreReplaced);
    CPPUNIT_TEST(testArticleProtectComplete);
    CPPUNIT_TEST(testTagsChange);
    CPPUNIT_TEST(testTagsAlgebra);
    CPPUNIT_TEST(testTagsChangeWithoutRevIdOrRevisionGivesNothing);
    CPPUNIT_TEST(testTagsChangeFallsBackToRecentChangePerformer);
    CPPUNIT_TEST(testLegacyStreamsAreNotMapped);
    CPPUNIT_TEST(testEveryLegacyEventPassesTheSharedSchemas);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPageSaveWithEditNewGivesPageCreate()
    {
        CPPUNIT_ASSERT_EQUAL(kPageCreate, normalised(only(eventsOf("hooks/page-save-complete", fixture("hooks/page-save-complete")))));
    }

    void testPageSaveWithoutEditNewGivesNothing()
    {
        auto events = eventsOf("hooks/page-save-complete", edited(fixture("hooks/page-save-complete"), {{"/flags", "0"}}));
        CPPUNIT_ASSERT(events.empty());
    }

    void testNullEditGivesResourceChange()
    {
        auto events = eventsOf("hooks/page-save-complete",
                               edited(fixture("hooks/page-save-complete"), {{"/is_null_edit", "true"}}));
        std::string expected = kPurge;
        expected.replace(expected.find("purge"), 5, "null_edit");
        CPPUNIT_ASSERT_EQUAL(expected, normalised(only(events), true));
    }

    void testRevisionRecordInserted()
    {
        CPPUNIT_ASSERT_EQUAL(kRevisionCreate,
                             normalised(only(eventsOf("hooks/revision-record-inserted", fixture("hooks/revision-record-inserted")))));
    }

    void testRevisionCreateWithoutParent()
    {
        auto doc = parsed(only(eventsOf("hooks/revision-record-inserted",
                                        edited(fixture("hooks/revision-record-inserted"), {{"/revision/parent_id", "null"}}))));
        CPPUNIT_ASSERT(!doc.HasMember("rev_parent_id"));
        CPPUNIT_ASSERT(!doc.HasMember("rev_content_changed"));
        doc = parsed(only(eventsOf("hooks/revision-record-inserted",
                                   edited(fixture("hooks/revision-record-inserted"),
                                          {{"/revision/parent_id", "123456"}, {"/revision/parent_sha1", "<remove>"}}))));
        CPPUNIT_ASSERT_EQUAL(int64_t(123456), doc["rev_parent_id"].GetInt64());
        CPPUNIT_ASSERT(!doc.HasMember("rev_content_changed"));
    }

    void testRevisionCreateHiddenUserHasNoPerformer()
    {
        auto doc = parsed(only(eventsOf("hooks/revision-record-inserted",
                                        edited(fixture("hooks/revision-record-inserted"), {{"/revision/visibility", "6"}}))));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc.HasMember("comment"));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-01-02T00:00:00Z"), std::string(doc["dt"].GetString()));
    }

    void testPageDelete()
    {
        CPPUNIT_ASSERT_EQUAL(kPageDelete, normalised(only(eventsOf("hooks/page-delete-complete", fixture("hooks/page-delete-complete")))));
    }

    void testPageSuppressHasNoPerformer()
    {
        auto doc = parsed(only(eventsOf("hooks/page-delete-complete",
                                        edited(fixture("hooks/page-delete-complete"), {{"/log_type", "\"suppress\""}}))));
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.page-suppress"), std::string(doc["meta"]["stream"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("/mediawiki/page/delete/1.0.0"), std::string(doc["$schema"].GetString()));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT_EQUAL(int64_t(457), doc["rev_id"].GetInt64());
    }

    void testPageUndelete()
    {
        CPPUNIT_ASSERT_EQUAL(kPageUndelete, normalised(only(eventsOf("hooks/page-undelete-complete", fixture("hooks/page-undelete-complete")))));
    }

    void testUndeleteWithSameOldIdHasNoPriorState()
    {
        auto doc = parsed(only(eventsOf("hooks/page-undelete-complete",
                                        edited(fixture("hooks/page-undelete-complete"), {{"/old_page_id", "123"}, {"/reason", "\"\""}}))));
        CPPUNIT_ASSERT(!doc.HasMember("prior_state"));
        CPPUNIT_ASSERT(!doc.HasMember("comment"));
        CPPUNIT_ASSERT(!doc.HasMember("parsedcomment"));
    }

    void testPageMove()
    {
        CPPUNIT_ASSERT_EQUAL(kPageMove, normalised(only(eventsOf("hooks/page-move-complete", fixture("hooks/page-move-complete")))));
    }

    void testPageMoveWithoutRedirect()
    {
        auto doc = parsed(only(eventsOf("hooks/page-move-complete",
                                        edited(fixture("hooks/page-move-complete"), {{"/redirect_page", "<remove>"}}))));
        CPPUNIT_ASSERT(!doc.HasMember("new_redirect_page"));
        CPPUNIT_ASSERT_EQUAL(std::string("Old_Title"), std::string(doc["prior_state"]["page_title"].GetString()));
        doc = parsed(only(eventsOf("hooks/page-move-complete",
                                   edited(fixture("hooks/page-move-complete"), {{"/redirect_page/page_id", "0"}}))));
        CPPUNIT_ASSERT(!doc.HasMember("new_redirect_page"));
    }

    void testVisibilityChangeSkipsMissingRevisions()
    {
        CPPUNIT_ASSERT_EQUAL(kVisibilityChange,
                             normalised(only(eventsOf("hooks/article-revision-visibility-set",
                                                      fixture("hooks/article-revision-visibility-set")))));
    }

    void testVisibilityChangeRestrictedHasNoPerformer()
    {
        for (const char* bits : {"/changes/0/old_bits", "/changes/0/new_bits"}) {
            auto events = eventsOf("hooks/article-revision-visibility-set",
                                   edited(fixture("hooks/article-revision-visibility-set"),
                                          {{bits, "9"}, {"/changes/0/revision/visibility", "<remove>"}}));
            auto doc = parsed(only(events));
            CPPUNIT_ASSERT(!doc.HasMember("performer"));
        }
    }

    void testVisibilityChangeWithNoRevisionsSendsNothing()
    {
        auto events = eventsOf("hooks/article-revision-visibility-set",
                               edited(fixture("hooks/article-revision-visibility-set"), {{"/changes/0/revision", "null"}}));
        CPPUNIT_ASSERT(events.empty());
    }

    void testArticlePurge()
    {
        CPPUNIT_ASSERT_EQUAL(kPurge, normalised(only(eventsOf("hooks/article-purge", fixture("hooks/article-purge"))), true));
    }

    void testBlockIpComplete()
    {
        CPPUNIT_ASSERT_EQUAL(kBlocksChange, normalised(only(eventsOf("hooks/block-ip-complete", fixture("hooks/block-ip-complete")))));
    }

    void testBlockOfIpRangeHasNoUserGroups()
    {
        auto doc = parsed(only(eventsOf("hooks/block-ip-complete",
                                        edited(fixture("hooks/block-ip-complete"), {{"/target", R"({"name":"192.0.2.0/24"})"}}))));
        CPPUNIT_ASSERT(!doc.HasMember("user_groups"));
        CPPUNIT_ASSERT(!doc.HasMember("user_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.0/24"), std::string(doc["user_text"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("https://en.wikipedia.org/wiki/User:192.0.2.0/24"), std::string(doc["meta"]["uri"].GetString()));
    }

    void testBlockWithoutPriorBlockHasNoPriorState()
    {
        auto doc = parsed(only(eventsOf("hooks/block-ip-complete",
                                        edited(fixture("hooks/block-ip-complete"), {{"/prior_block", "<remove>"}, {"/block/expiry", "\"infinity\""}}))));
        CPPUNIT_ASSERT(!doc.HasMember("prior_state"));
        CPPUNIT_ASSERT(doc.HasMember("user_groups"));
        CPPUNIT_ASSERT(!doc["blocks"].HasMember("expiry_dt"));
    }

    void testLinksUpdateGivesPropertiesThenLinks()
    {
        auto events = eventsOf("hooks/links-update-complete", fixture("hooks/links-update-complete"));
        CPPUNIT_ASSERT_EQUAL(size_t(2), events.size());
        CPPUNIT_ASSERT_EQUAL(kPropertiesChange, normalised(events[0]));
        CPPUNIT_ASSERT_EQUAL(kLinksChange, normalised(events[1]));
    }

    void testLinksUpdateWithoutChangesGivesNothing()
    {
        auto events = eventsOf("hooks/links-update-complete",
                               edited(fixture("hooks/links-update-complete"),
                                      {{"/added_properties", "{}"}, {"/removed_properties", "null"}, {"/added_links", "[]"},
                                       {"/removed_links", "<remove>"}, {"/added_external_links", "[]"}}));
        CPPUNIT_ASSERT(events.empty());
    }

    void testLinksUpdateOnlyPropertiesWithoutUser()
    {
        auto events = eventsOf("hooks/links-update-complete",
                               edited(fixture("hooks/links-update-complete"),
                                      {{"/performer", "null"}, {"/removed_properties", "<remove>"}, {"/added_links", "[]"},
                                       {"/removed_links", "[]"}, {"/added_external_links", "[]"}}));
        auto doc = parsed(only(events));
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.page-properties-change"), std::string(doc["meta"]["stream"].GetString()));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(doc.HasMember("added_properties"));
        CPPUNIT_ASSERT(!doc.HasMember("removed_properties"));
        CPPUNIT_ASSERT_EQUAL(int64_t(457), doc["rev_id"].GetInt64());
    }

    void testLinksUpdateRemovedOnlyAndLatestRevision()
    {
        auto events = eventsOf("hooks/links-update-complete",
                               edited(fixture("hooks/links-update-complete"),
                                      {{"/rev_id", "<remove>"}, {"/page/latest_rev_id", "1"}, {"/added_properties", "<remove>"},
                                       {"/removed_properties", "<remove>"}, {"/added_links", "[]"},
                                       {"/added_external_links", "<remove>"}, {"/removed_external_links", R"(["http://x.org/?q=1"])"}}));
        auto doc = parsed(only(events));
        CPPUNIT_ASSERT_EQUAL(int64_t(1), doc["rev_id"].GetInt64());
        CPPUNIT_ASSERT(!doc.HasMember("added_links"));
        CPPUNIT_ASSERT_EQUAL(std::string(R"([{"link":"/wiki/Removed_link","external":false},{"link":"http://x.org/%3Fq%3D1","external":true}])"),
                             eventbus::json::encode(doc["removed_links"]));
    }

    void testBinaryPropertyValuesAreReplaced()
    {
        std::string body = edited(fixture("hooks/links-update-complete"), {{"/added_properties", R"({"bin":"BINARY"})"}});
        body.replace(body.find("BINARY"), 6, "\xff\xff\xff\xff");
        auto events = eventsOf("hooks/links-update-complete", body);
        auto doc = parsed(events.at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("data:application/octet-stream;base64,/////w=="),
                             std::string(doc["added_properties"]["bin"].GetString()));
    }

    void testArticleProtectComplete()
    {
        CPPUNIT_ASSERT_EQUAL(kRestrictionsChange,
                             normalised(only(eventsOf("hooks/article-protect-complete", fixture("hooks/article-protect-complete")))));
        auto doc = parsed(only(eventsOf("hooks/article-protect-complete",
                                        edited(fixture("hooks/article-protect-complete"),
                                               {{"/protections", "{}"}, {"/page/latest_rev_id", "<remove>"}}))));
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), eventbus::json::encode(doc["page_restrictions"]));
        CPPUNIT_ASSERT(!doc.HasMember("rev_id"));
    }

    void testTagsChange()
    {
        CPPUNIT_ASSERT_EQUAL(kTagsChange,
                             normalised(only(eventsOf("hooks/change-tags-after-update-tags", fixture("hooks/change-tags-after-update-tags")))));
    }

    void testTagsAlgebra()
    {
        using eventbus::pagechange::LegacyEventSerializer;
        using V = std::vector<std::string>;
        CPPUNIT_ASSERT(V({"a1", "a2"}) == LegacyEventSerializer::mergedTags({}, {"a1", "a2"}, {}));
        CPPUNIT_ASSERT(V({"e1", "a1"}) == LegacyEventSerializer::mergedTags({"e1"}, {"a1"}, {}));
        CPPUNIT_ASSERT(V({"e1"}) == LegacyEventSerializer::mergedTags({"e1", "e2"}, {}, {"e2"}));
        CPPUNIT_ASSERT(V({"e1"}) == LegacyEventSerializer::mergedTags({"e1"}, {"e1"}, {}));
    }

    void testTagsChangeWithoutRevIdOrRevisionGivesNothing()
    {
        CPPUNIT_ASSERT(eventsOf("hooks/change-tags-after-update-tags",
                                edited(fixture("hooks/change-tags-after-update-tags"), {{"/rev_id", "null"}})).empty());
        CPPUNIT_ASSERT(eventsOf("hooks/change-tags-after-update-tags",
                                edited(fixture("hooks/change-tags-after-update-tags"), {{"/revision", "null"}})).empty());
    }

    void testTagsChangeFallsBackToRecentChangePerformer()
    {
        auto doc = parsed(only(eventsOf("hooks/change-tags-after-update-tags",
                                        edited(fixture("hooks/change-tags-after-update-tags"),
                                               {{"/performer", "null"}, {"/rc_performer", R"({"name":"RcUser","id":5,"groups":["*","user"]})"}}))));
        CPPUNIT_ASSERT_EQUAL(std::string("RcUser"), std::string(doc["performer"]["user_text"].GetString()));
        doc = parsed(only(eventsOf("hooks/change-tags-after-update-tags",
                                   edited(fixture("hooks/change-tags-after-update-tags"), {{"/performer", "null"}}))));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
    }

    void testLegacyStreamsAreNotMapped()
    {
        PageChangeDecoder mapped(enwiki(), "renamed.page_change", "renamed.user_change");
        auto r = mapped.decode("hooks/article-purge", fixture("hooks/article-purge"), "");
        CPPUNIT_ASSERT(r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("resource_change"), r.events.at(0).stream);
    }

    void testEveryLegacyEventPassesTheSharedSchemas()
    {
        std::vector<std::string> events;
        for (const std::string& route : PageChangeDecoder::routeNames()) {
            if (route.rfind("hooks/", 0) != 0) continue;
            for (std::string& e : eventsOf(route, fixture(route))) events.push_back(e);
        }
        auto more = {eventsOf("hooks/page-save-complete", edited(fixture("hooks/page-save-complete"), {{"/is_null_edit", "true"}})),
                     eventsOf("hooks/page-delete-complete", edited(fixture("hooks/page-delete-complete"), {{"/log_type", "\"suppress\""}})),
                     eventsOf("hooks/block-ip-complete", edited(fixture("hooks/block-ip-complete"), {{"/target", R"({"name":"192.0.2.1"})"}}))};
        for (const auto& list : more) events.insert(events.end(), list.begin(), list.end());
        // restrictions-change 2.0.0 is not in the archive; 1.0.0 differs only in requiring rev_id,
        // which this event has, so it is checked against 1.0.0.
        for (std::string& e : events) {
            const std::string v2 = "/mediawiki/page/restrictions-change/2.0.0";
            if (e.find(v2) != std::string::npos) e.replace(e.find(v2), v2.size(), "/mediawiki/page/restrictions-change/1.0.0");
        }
        CPPUNIT_ASSERT_EQUAL(size_t(15), events.size());
        std::string output;
        CPPUNIT_ASSERT_MESSAGE(output, validatedBySharedSchemas(events, output));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LegacyHookEventsTest);
