// PageChangeEventIngress through the decoder (spec sections 5.2 and 10, PageChangeEventIngressTest,
// RedirectTargetLookupTest and PageChangeEmissionTest): which domain events give a page_change
// event, of which kind, with which performer, on the mapped stream.
#include "PageChangeFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace pagechangetest;
using eventbus::pagechange::DecodeResult;

namespace {

const std::string kEdit = R"JSON({"changelog_kind":"update","page_change_kind":"edit","dt":"2024-01-02T00:00:00Z","wiki_id":"enwiki","page":{"page_id":123,"page_title":"Main_Page","namespace_id":0,"is_redirect":false,"namespace_is_content":true,"wikibase_item_id":"Q42"},"performer":{"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242},"revision":{"rev_id":457,"rev_dt":"2024-01-02T00:00:00Z","is_minor_edit":true,"rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_size":3,"rev_parent_id":456,"comment":"tweak","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true,"editor":{"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242},"content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","content_size":3,"content_format":"text/x-wiki","origin_rev_id":457},"sidetext":{"slot_role":"sidetext","content_model":"text","content_sha1":"hj5t2yi95v1hhdjtzfn6itv3efu4ltg","content_size":14,"content_format":"text/plain","origin_rev_id":42}},"revert":{"method":"manual","is_exact":true,"rev_original_id":400,"rev_original_dt":"2023-01-01T00:00:00Z","rev_reverted_oldest_id":401,"rev_reverted_newest_id":455}},"prior_state":{"revision":{"rev_id":456,"rev_dt":"2024-01-01T00:00:00Z","is_minor_edit":false,"rev_sha1":"a3kvjf7vqh9qchzi5sl1q87q9hx48pk","rev_size":12,"rev_parent_id":0,"comment":"first","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true,"editor":{"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242},"content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"a3kvjf7vqh9qchzi5sl1q87q9hx48pk","content_size":12,"content_format":"text/x-wiki","origin_rev_id":456}}}},"$schema":"/mediawiki/page/change/1.11.0","meta":{"stream":"mediawiki.page_change.v1","uri":"https://en.wikipedia.org/wiki/Main_Page","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-02T00:00:00Z","request_id":"fc3a8587259ca5fc085ca830"}})JSON";
const std::string kDelete = R"JSON({"changelog_kind":"delete","page_change_kind":"delete","dt":"2024-01-11T00:00:00Z","wiki_id":"enwiki","page":{"page_id":123,"page_title":"Main_Page","namespace_id":0,"is_redirect":false,"namespace_is_content":true,"revision_count":2},"performer":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"comment":"spam","revision":{"rev_id":457,"rev_dt":"2024-01-02T00:00:00Z","is_minor_edit":true,"rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_size":3,"rev_parent_id":456,"comment":"tweak","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true,"editor":{"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242},"content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","content_size":3,"content_format":"text/x-wiki","origin_rev_id":457},"sidetext":{"slot_role":"sidetext","content_model":"text","content_sha1":"hj5t2yi95v1hhdjtzfn6itv3efu4ltg","content_size":14,"content_format":"text/plain","origin_rev_id":42}}},"$schema":"/mediawiki/page/change/1.11.0","meta":{"stream":"mediawiki.page_change.v1","uri":"https://en.wikipedia.org/wiki/Main_Page","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-11T00:00:00Z","request_id":"fc3a8587259ca5fc085ca830"}})JSON";
const std::string kMove = R"JSON({"changelog_kind":"update","page_change_kind":"move","dt":"2024-01-05T00:00:00Z","wiki_id":"enwiki","page":{"page_id":123,"page_title":"New_Title","namespace_id":0,"is_redirect":false,"namespace_is_content":true},"performer":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"comment":"better name","revision":{"rev_id":458,"rev_dt":"2024-01-05T00:00:00Z","is_minor_edit":true,"rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_size":3,"rev_parent_id":457,"comment":"moved","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true,"editor":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","content_size":3,"content_format":"text/x-wiki"}}},"created_redirect_page":{"page_id":124,"page_title":"Old_Title","namespace_id":0,"is_redirect":true,"namespace_is_content":true},"prior_state":{"page":{"page_title":"Old_Title"},"revision":{"rev_id":457,"rev_dt":"2024-01-02T00:00:00Z","is_minor_edit":true,"rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_size":3,"rev_parent_id":456,"comment":"tweak","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true,"editor":{"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242},"content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","content_size":3,"content_format":"text/x-wiki","origin_rev_id":457},"sidetext":{"slot_role":"sidetext","content_model":"text","content_sha1":"hj5t2yi95v1hhdjtzfn6itv3efu4ltg","content_size":14,"content_format":"text/plain","origin_rev_id":42}}}},"$schema":"/mediawiki/page/change/1.11.0","meta":{"stream":"mediawiki.page_change.v1","uri":"https://en.wikipedia.org/wiki/New_Title","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-05T00:00:00Z","request_id":"fc3a8587259ca5fc085ca830"}})JSON";
const std::string kUndelete = R"JSON({"changelog_kind":"insert","page_change_kind":"undelete","dt":"2024-01-12T00:00:00Z","wiki_id":"enwiki","page":{"page_id":123,"page_title":"Main_Page","namespace_id":0,"is_redirect":false,"namespace_is_content":true},"performer":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"comment":"restore","revision":{"rev_id":457,"rev_dt":"2024-01-02T00:00:00Z","is_minor_edit":true,"rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_size":3,"rev_parent_id":456,"comment":"tweak","is_content_visible":true,"is_editor_visible":true,"is_comment_visible":true,"editor":{"user_text":"Alice","groups":["*","user","autoconfirmed"],"is_temp":false,"wiki_id":"enwiki","first_edit_dt":"2020-01-01T12:00:00Z","user_id":7,"edit_count":10,"registration_dt":"2019-05-05T00:00:00Z","user_central_id":55,"is_bot":false,"is_system":false,"edit_global_count":4242},"content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","content_size":3,"content_format":"text/x-wiki","origin_rev_id":457},"sidetext":{"slot_role":"sidetext","content_model":"text","content_sha1":"hj5t2yi95v1hhdjtzfn6itv3efu4ltg","content_size":14,"content_format":"text/plain","origin_rev_id":42}}},"prior_state":{"page":{"page_id":223}},"$schema":"/mediawiki/page/change/1.11.0","meta":{"stream":"mediawiki.page_change.v1","uri":"https://en.wikipedia.org/wiki/Main_Page","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-12T00:00:00Z","request_id":"fc3a8587259ca5fc085ca830"}})JSON";
const std::string kVisibility = R"JSON({"changelog_kind":"update","page_change_kind":"visibility_change","dt":"2024-01-13T00:00:00Z","wiki_id":"enwiki","page":{"page_id":123,"page_title":"Main_Page","namespace_id":0,"is_redirect":false,"namespace_is_content":true},"performer":{"user_text":"Admin","groups":["*","user","autoconfirmed","sysop"],"is_temp":false,"wiki_id":"enwiki","user_id":1,"edit_count":500,"registration_dt":"2010-01-01T00:00:00Z","is_bot":false,"is_system":false},"revision":{"rev_id":457,"rev_dt":"2024-01-02T00:00:00Z","is_minor_edit":true,"rev_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","rev_size":3,"rev_parent_id":456,"is_content_visible":true,"is_editor_visible":false,"is_comment_visible":false,"content_slots":{"main":{"slot_role":"main","content_model":"wikitext","content_sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","content_size":3,"content_format":"text/x-wiki","origin_rev_id":457},"sidetext":{"slot_role":"sidetext","content_model":"text","content_sha1":"hj5t2yi95v1hhdjtzfn6itv3efu4ltg","content_size":14,"content_format":"text/plain","origin_rev_id":42}}},"prior_state":{"revision":{"is_editor_visible":true,"is_comment_visible":true}},"$schema":"/mediawiki/page/change/1.11.0","meta":{"stream":"mediawiki.page_change.v1","uri":"https://en.wikipedia.org/wiki/Main_Page","id":"<id>","domain":"en.wikipedia.org","dt":"2024-01-13T00:00:00Z","request_id":"fc3a8587259ca5fc085ca830"}})JSON";

const std::string kLatest = "page-change/page-latest-revision-changed";

rapidjson::Document only(const std::vector<std::string>& events)
{
    CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
    return parsed(events[0]);
}

std::string str(const rapidjson::Value& v)
{
    return v.GetString();
}

} // namespace

class PageChangeIngressTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PageChangeIngressTest);
    CPPUNIT_TEST(testEditGivesOneEvent);
    CPPUNIT_TEST(testCausesAndNullEdits);
    CPPUNIT_TEST(testCreation);
    CPPUNIT_TEST(testDeleteIncludesPerformer);
    CPPUNIT_TEST(testSuppressedDeleteHasNoPerformer);
    CPPUNIT_TEST(testMove);
    CPPUNIT_TEST(testMoveOfMissingPageIsRefused);
    CPPUNIT_TEST(testUndelete);
    CPPUNIT_TEST(testPageCreatedOtherThanUndeleteIsIgnored);
    CPPUNIT_TEST(testVisibilityChange);
    CPPUNIT_TEST(testVisibilityChangeNotAffectingCurrentRevision);
    CPPUNIT_TEST(testVisibilitySuppressionHasNoPerformer);
    CPPUNIT_TEST(testVisibilityMismatchIsRefused);
    CPPUNIT_TEST(testRedirectPageCreateAndDelete);
    CPPUNIT_TEST(testStreamIsMapped);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEditGivesOneEvent()
    {
        auto events = eventsOf(kLatest, fixture(kLatest));
        CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
        CPPUNIT_ASSERT_EQUAL(kEdit, normalised(events[0]));
    }

    void testCausesAndNullEdits()
    {
        for (const char* cause : {"\"edit\"", "\"import\"", "\"rollback\"", "\"undo\"", "\"upload\""})
            CPPUNIT_ASSERT_EQUAL(size_t(1), eventsOf(kLatest, edited(fixture(kLatest), {{"/cause", cause}})).size());
        for (const char* cause : {"\"move\"", "\"undelete\"", "\"protect\""})
            CPPUNIT_ASSERT(eventsOf(kLatest, edited(fixture(kLatest), {{"/cause", cause}})).empty());
        CPPUNIT_ASSERT(eventsOf(kLatest, edited(fixture(kLatest), {{"/is_null_edit", "true"}})).empty());
    }

    void testCreation()
    {
        auto doc = only(eventsOf(kLatest, edited(fixture(kLatest), {{"/is_creation", "true"}, {"/edit_result", "<remove>"}})));
        CPPUNIT_ASSERT_EQUAL(std::string("insert"), str(doc["changelog_kind"]));
        CPPUNIT_ASSERT_EQUAL(std::string("create"), str(doc["page_change_kind"]));
        CPPUNIT_ASSERT(!doc.HasMember("prior_state"));
        CPPUNIT_ASSERT_EQUAL(std::string("Alice"), str(doc["performer"]["user_text"]));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-01-02T00:00:00Z"), str(doc["dt"]));
    }

    void testDeleteIncludesPerformer()
    {
        auto events = eventsOf("page-change/page-deleted", fixture("page-change/page-deleted"));
        CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
        CPPUNIT_ASSERT_EQUAL(kDelete, normalised(events[0]));
    }

    void testSuppressedDeleteHasNoPerformer()
    {
        auto doc = only(eventsOf("page-change/page-deleted",
                                 edited(fixture("page-change/page-deleted"), {{"/is_suppressed", "true"}})));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc["revision"].HasMember("editor"));
        CPPUNIT_ASSERT(!doc["revision"].HasMember("rev_sha1"));
        CPPUNIT_ASSERT(!doc["revision"]["is_content_visible"].GetBool());
        CPPUNIT_ASSERT(doc["prior_state"]["revision"]["is_content_visible"].GetBool());
    }

    void testMove()
    {
        auto events = eventsOf("page-change/page-moved", fixture("page-change/page-moved"));
        CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
        CPPUNIT_ASSERT_EQUAL(kMove, normalised(events[0]));
    }

    void testMoveOfMissingPageIsRefused()
    {
        DecodeResult r = decoder().decode("page-change/page-moved",
                                          edited(fixture("page-change/page-moved"),
                                                 {{"/page_before/title", "\"OldTitle\""}, {"/page_after/title", "\"NewTitle\""},
                                                  {"/page_after/exists", "false"}}),
                                          "");
        CPPUNIT_ASSERT(r.events.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("page_not_found"), r.rejectReason);
        CPPUNIT_ASSERT_EQUAL(std::string("No page moved from 'OldTitle' to 'NewTitle' with ID 123 could be found"), r.rejectMessage);
    }

    void testUndelete()
    {
        auto events = eventsOf("page-change/page-created", fixture("page-change/page-created"));
        CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
        CPPUNIT_ASSERT_EQUAL(kUndelete, normalised(events[0]));
        auto doc = only(eventsOf("page-change/page-created",
                                 edited(fixture("page-change/page-created"), {{"/page_id_before", "123"}})));
        CPPUNIT_ASSERT(!doc.HasMember("prior_state"));
        doc = only(eventsOf("page-change/page-created", edited(fixture("page-change/page-created"), {{"/page_id_before", "<remove>"}})));
        CPPUNIT_ASSERT(!doc.HasMember("prior_state"));
    }

    void testPageCreatedOtherThanUndeleteIsIgnored()
    {
        for (const char* cause : {"\"edit\"", "\"import\"", "\"move\""})
            CPPUNIT_ASSERT(eventsOf("page-change/page-created", edited(fixture("page-change/page-created"), {{"/cause", cause}})).empty());
    }

    void testVisibilityChange()
    {
        auto events = eventsOf("page-change/page-history-visibility-changed", fixture("page-change/page-history-visibility-changed"));
        CPPUNIT_ASSERT_EQUAL(size_t(1), events.size());
        CPPUNIT_ASSERT_EQUAL(kVisibility, normalised(events[0]));
    }

    void testVisibilityChangeNotAffectingCurrentRevision()
    {
        CPPUNIT_ASSERT(eventsOf("page-change/page-history-visibility-changed",
                                edited(fixture("page-change/page-history-visibility-changed"), {{"/current_revision_affected", "false"}}))
                           .empty());
    }

    void testVisibilitySuppressionHasNoPerformer()
    {
        auto doc = only(eventsOf("page-change/page-history-visibility-changed",
                                 edited(fixture("page-change/page-history-visibility-changed"),
                                        {{"/is_suppression", "true"}, {"/revision/visibility", "12"}, {"/visibility_after", "12"}})));
        CPPUNIT_ASSERT(!doc.HasMember("performer"));
        CPPUNIT_ASSERT(!doc["revision"]["is_editor_visible"].GetBool());
        CPPUNIT_ASSERT(doc["revision"]["is_content_visible"].GetBool());
        CPPUNIT_ASSERT_EQUAL(int64_t(457), doc["revision"]["rev_id"].GetInt64());
        CPPUNIT_ASSERT_EQUAL(int64_t(123), doc["page"]["page_id"].GetInt64());
    }

    void testVisibilityMismatchIsRefused()
    {
        DecodeResult r = decoder().decode("page-change/page-history-visibility-changed",
                                          edited(fixture("page-change/page-history-visibility-changed"), {{"/visibility_after", "4"}}), "");
        CPPUNIT_ASSERT(r.events.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("unexpected_value"), r.rejectReason);
        CPPUNIT_ASSERT_EQUAL(std::string("revision.visibility: the current revision has visibility 6, but visibility_after is 4"),
                             r.rejectMessage);
    }

    void testRedirectPageCreateAndDelete()
    {
        // The redirect left by a move: created as a redirect to the destination, later deleted.
        const std::string target = R"({"title":"New_Title","namespace":0,"page_id":123,"is_redirect":false})";
        auto created = only(eventsOf(kLatest, edited(fixture(kLatest), {{"/is_creation", "true"},
                                                                        {"/page", R"({"page_id":124,"title":"Old_Title","is_redirect":true})"},
                                                                        {"/redirect_target", target}})));
        CPPUNIT_ASSERT(created["page"]["is_redirect"].GetBool());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"New_Title","namespace_id":0,"page_id":123,"is_redirect":false})"),
                             eventbus::json::encode(created["page"]["redirect_page_link"]));
        auto deleted = only(eventsOf("page-change/page-deleted",
                                     edited(fixture("page-change/page-deleted"),
                                            {{"/page", R"({"page_id":124,"title":"Old_Title","is_redirect":true})"}, {"/redirect_target", target}})));
        CPPUNIT_ASSERT(deleted["page"]["is_redirect"].GetBool());
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"New_Title","namespace_id":0})"),
                             eventbus::json::encode(deleted["page"]["redirect_page_link"]));
    }

    void testStreamIsMapped()
    {
        PageChangeDecoder mapped(enwiki(), "rc0.mediawiki.page_change", "rc0.mediawiki.user_change");
        DecodeResult r = mapped.decode(kLatest, fixture(kLatest), "");
        CPPUNIT_ASSERT(r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("rc0.mediawiki.page_change"), r.events.at(0).stream);
        CPPUNIT_ASSERT(r.events.at(0).json.find("\"stream\":\"rc0.mediawiki.page_change\"") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageChangeIngressTest);
