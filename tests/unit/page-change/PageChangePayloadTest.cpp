// The input contract (HookPayloadParser, PayloadReader and the decoder's checks): a malformed or
// incomplete payload is refused with a reason and a message naming the exact field, and nothing
// is emitted for it.
#include "PageChangeFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace pagechangetest;
using eventbus::pagechange::DecodeResult;

namespace {

DecodeResult decoded(const std::string& route, const std::string& body)
{
    return decoder().decode(route, body, "");
}

void assertRejected(const std::string& route, const std::string& body, const std::string& reason,
                    const std::string& message)
{
    DecodeResult r = decoded(route, body);
    CPPUNIT_ASSERT_MESSAGE(route + " accepted: " + body.substr(0, 200), !r.ok());
    CPPUNIT_ASSERT(r.events.empty());
    CPPUNIT_ASSERT_EQUAL(reason, r.rejectReason);
    CPPUNIT_ASSERT_EQUAL(message, r.rejectMessage);
}

} // namespace

class PageChangePayloadTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PageChangePayloadTest);
    CPPUNIT_TEST(testEveryFixtureIsAccepted);
    CPPUNIT_TEST(testEveryReadmeExampleIsAccepted);
    CPPUNIT_TEST(testMalformedJson);
    CPPUNIT_TEST(testBodyMustBeAnObject);
    CPPUNIT_TEST(testUnknownRoute);
    CPPUNIT_TEST(testMissingFieldsAreNamed);
    CPPUNIT_TEST(testWrongTypesAreNamed);
    CPPUNIT_TEST(testNestedFieldPaths);
    CPPUNIT_TEST(testBadTimestamps);
    CPPUNIT_TEST(testUnknownRevertMethod);
    CPPUNIT_TEST(testVisibilityBitsRange);
    CPPUNIT_TEST(testMissingWikiSettings);
    CPPUNIT_TEST(testWikiOverrides);
    CPPUNIT_TEST(testRequestIdSources);
    CPPUNIT_TEST(testInvalidUtf8IsNamed);
    CPPUNIT_TEST(testDeepNestingIsRefused);
    CPPUNIT_TEST(testNothingHalfBuiltIsEmitted);
    CPPUNIT_TEST(testTruncatedFixturesNeverCrash);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEveryFixtureIsAccepted()
    {
        for (const std::string& route : PageChangeDecoder::routeNames()) {
            DecodeResult r = decoded(route, fixture(route));
            CPPUNIT_ASSERT_MESSAGE(route + ": " + r.rejectMessage, r.ok());
            CPPUNIT_ASSERT_MESSAGE(route + " gave no event", !r.events.empty());
        }
    }

    void testEveryReadmeExampleIsAccepted()
    {
        // The README's examples abbreviate a user as U and a revision as R; expand them as it says.
        std::ifstream in(sourceDir() + "/plugins/page-change/README.md");
        CPPUNIT_ASSERT(in.good());
        std::stringstream readme;
        readme << in.rdbuf();
        const std::string text = readme.str();
        const std::string user = R"({"name":"Alice","id":7,"groups":["*","user","autoconfirmed"],"edit_count":10,"registration":"20190505000000"})";
        const std::string revision = R"({"rev_id":457,"timestamp":"20240102000000","sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","size":3,)"
                                     R"("parent_id":456,"comment":"tweak","user":)" + user
                                     + R"(,"slots":{"main":{"model":"wikitext","sha1":"3r00jk1xoatd95ko7lnjrdtvi79jort","size":3}}})";
        for (const std::string& route : PageChangeDecoder::routeNames()) {
            size_t at = text.find("**" + route + "**:");
            CPPUNIT_ASSERT_MESSAGE("README has no example for " + route, at != std::string::npos);
            size_t start = text.find("```json\n", at);
            size_t end = text.find("```", start + 8);
            CPPUNIT_ASSERT(start != std::string::npos && end != std::string::npos);
            std::string body = text.substr(start + 8, end - start - 8);
            for (const auto& [token, value] : {std::pair<std::string, std::string>{":R", ":" + revision}, {":U", ":" + user}})
                for (size_t p = body.find(token); p != std::string::npos; p = body.find(token, p + value.size()))
                    body.replace(p, token.size(), value);
            DecodeResult r = decoded(route, body);
            CPPUNIT_ASSERT_MESSAGE(route + ": " + r.rejectMessage, r.ok());
            CPPUNIT_ASSERT_MESSAGE(route + " example gives no event", !r.events.empty());
        }
    }

    void testMalformedJson()
    {
        DecodeResult r = decoded("hooks/article-purge", "{\"page\":");
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), r.rejectReason);
        CPPUNIT_ASSERT(r.rejectMessage.find("body is not JSON") == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), decoded("hooks/article-purge", "{} trailing").rejectReason);
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), decoded("hooks/article-purge", "").rejectReason);
    }

    void testBodyMustBeAnObject()
    {
        assertRejected("hooks/article-purge", "[1,2]", "invalid_payload", "body: expected a JSON object");
    }

    void testUnknownRoute()
    {
        assertRejected("hooks/nope", "{}", "unknown_route", "no page-change route named 'hooks/nope'");
    }

    void testMissingFieldsAreNamed()
    {
        assertRejected("hooks/article-purge", "{}", "invalid_payload", "page: missing");
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/page/title", "<remove>"}}),
                       "invalid_payload", "page.title: missing");
        assertRejected("hooks/revision-record-inserted",
                       edited(fixture("hooks/revision-record-inserted"), {{"/revision/slots/main", "<remove>"}}),
                       "invalid_payload", "revision.slots.main: missing (every revision has a main slot)");
        assertRejected("hooks/revision-record-inserted",
                       edited(fixture("hooks/revision-record-inserted"), {{"/revision/user/groups", "<remove>"}}),
                       "invalid_payload", "revision.user.groups: missing");
        assertRejected("page-change/page-latest-revision-changed",
                       edited(fixture("page-change/page-latest-revision-changed"), {{"/cause", "<remove>"}}),
                       "invalid_payload", "cause: missing");
        assertRejected("page-change/page-history-visibility-changed",
                       edited(fixture("page-change/page-history-visibility-changed"), {{"/current_revision_affected", "<remove>"}}),
                       "invalid_payload", "current_revision_affected: missing");
        assertRejected("hooks/block-ip-complete", edited(fixture("hooks/block-ip-complete"), {{"/target/groups", "<remove>"}}),
                       "invalid_payload", "target.groups: missing");
        assertRejected("hooks/page-move-complete", edited(fixture("hooks/page-move-complete"), {{"/page_id", "<remove>"}}),
                       "invalid_payload", "page_id: missing");
        assertRejected("user-change/manual-log-entry-before-publish",
                       edited(fixture("user-change/manual-log-entry-before-publish"), {{"/user", "<remove>"}}),
                       "invalid_payload", "user: missing: newuser name 'NewName' is not a valid username");
    }

    void testWrongTypesAreNamed()
    {
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/page/page_id", "\"123\""}}),
                       "invalid_payload", "page.page_id: expected an integer");
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/page/page_id", "1.5"}}),
                       "invalid_payload", "page.page_id: expected an integer");
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/page/is_redirect", "1"}}),
                       "invalid_payload", "page.is_redirect: expected true or false");
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/page", "\"Main_Page\""}}),
                       "invalid_payload", "page: expected an object");
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/page/page_id", "-1"}}),
                       "invalid_payload", "page.page_id: must not be negative");
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/page/title", "\"\""}}),
                       "invalid_payload", "page.title: must not be empty");
        assertRejected("hooks/page-save-complete", edited(fixture("hooks/page-save-complete"), {{"/revision/user/groups", "[\"*\",3]"}}),
                       "invalid_payload", "revision.user.groups[1]: expected a string");
        assertRejected("hooks/article-protect-complete",
                       edited(fixture("hooks/article-protect-complete"), {{"/protections/edit", "[\"sysop\"]"}}),
                       "invalid_payload", "protections.edit: expected a string");
        assertRejected("hooks/links-update-complete",
                       edited(fixture("hooks/links-update-complete"), {{"/added_properties/x", "{\"a\":1}"}}),
                       "invalid_payload", "added_properties.x: expected a string or number");
        assertRejected("user-change/manual-log-entry-before-publish",
                       edited(fixture("user-change/manual-log-entry-before-publish"), {{"/params/5::newuser", "5"}}),
                       "invalid_payload", "params.5::newuser: expected a string");
        assertRejected("user-change/user-groups-changed",
                       edited(fixture("user-change/user-groups-changed"), {{"/new_memberships", "\"bureaucrat\""}}),
                       "invalid_payload", "new_memberships: expected a list of group names or an object keyed by group name");
    }

    void testNestedFieldPaths()
    {
        assertRejected("hooks/revision-record-inserted",
                       edited(fixture("hooks/revision-record-inserted"), {{"/revision/slots/sidetext/size", "\"14\""}}),
                       "invalid_payload", "revision.slots.sidetext.size: expected an integer");
        assertRejected("hooks/article-revision-visibility-set",
                       edited(fixture("hooks/article-revision-visibility-set"), {{"/changes/0/revision/rev_id", "<remove>"}}),
                       "invalid_payload", "changes[0].revision.rev_id: missing");
        assertRejected("hooks/block-ip-complete",
                       edited(fixture("hooks/block-ip-complete"), {{"/block/restrictions/1/value", "\"2\""}}),
                       "invalid_payload", "block.restrictions[1].value: expected an integer");
    }

    void testBadTimestamps()
    {
        assertRejected("hooks/revision-record-inserted",
                       edited(fixture("hooks/revision-record-inserted"), {{"/revision/timestamp", "\"yesterday\""}}),
                       "invalid_payload",
                       "revision.timestamp: not a timestamp (expected YYYYMMDDHHMMSS, Unix seconds or ISO 8601)");
        auto events = eventsOf("hooks/revision-record-inserted",
                               edited(fixture("hooks/revision-record-inserted"), {{"/revision/timestamp", "1546300800"}}));
        CPPUNIT_ASSERT(events.at(0).find("\"rev_timestamp\":\"2019-01-01T00:00:00Z\"") != std::string::npos);
        events = eventsOf("hooks/revision-record-inserted",
                          edited(fixture("hooks/revision-record-inserted"), {{"/revision/timestamp", "\"2019-01-01T00:00:00Z\""}}));
        CPPUNIT_ASSERT(events.at(0).find("\"dt\":\"2019-01-01T00:00:00Z\"") != std::string::npos);
    }

    void testUnknownRevertMethod()
    {
        assertRejected("page-change/page-latest-revision-changed",
                       edited(fixture("page-change/page-latest-revision-changed"), {{"/edit_result/revert_method", "\"magic\""}}),
                       "invalid_payload", "edit_result.revert_method: unknown revert method 'magic' (rollback, undo or manual)");
    }

    void testVisibilityBitsRange()
    {
        assertRejected("hooks/revision-record-inserted",
                       edited(fixture("hooks/revision-record-inserted"), {{"/revision/visibility", "16"}}),
                       "invalid_payload", "revision.visibility: expected bits 0..15");
        assertRejected("hooks/article-revision-visibility-set",
                       edited(fixture("hooks/article-revision-visibility-set"), {{"/changes/1/new_bits", "-1"}}),
                       "invalid_payload", "changes[1].new_bits: expected bits 0..15");
    }

    void testMissingWikiSettings()
    {
        PageChangeDecoder bare(WikiSettings(), "s", "u");
        DecodeResult r = bare.decode("hooks/article-purge", fixture("hooks/article-purge"), "");
        CPPUNIT_ASSERT_EQUAL(std::string("wiki.database: missing (and no database configured)"), r.rejectMessage);
        r = bare.decode("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/wiki", R"({"database":"xwiki"})"}}), "");
        CPPUNIT_ASSERT_EQUAL(std::string("wiki.canonical_server: missing (and no canonical_server configured)"), r.rejectMessage);
        r = bare.decode("hooks/page-save-complete", fixture("hooks/page-save-complete"), "");
        CPPUNIT_ASSERT_MESSAGE(r.rejectMessage, r.ok());
        assertRejected("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/wiki", R"({"article_path":"/w/"})"}}),
                       "invalid_payload", "wiki.article_path: must contain $1");
    }

    void testWikiOverrides()
    {
        auto doc = parsed(eventsOf("hooks/article-purge",
                                   edited(fixture("hooks/article-purge"),
                                          {{"/wiki", R"({"server_name":"de.wikipedia.org","canonical_server":"https://de.wikipedia.org",)"
                                                     R"("article_path":"/w/$1","database":"dewiki"})"}}))
                              .at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("https://de.wikipedia.org/w/Main_Page"), std::string(doc["meta"]["uri"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("de.wikipedia.org"), std::string(doc["meta"]["domain"].GetString()));
        doc = parsed(eventsOf("page-change/page-deleted",
                              edited(fixture("page-change/page-deleted"),
                                     {{"/wiki", R"({"wiki_id":"dewiki","domain":"de.wikipedia.org","content_namespaces":[1]})"}}))
                         .at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("dewiki"), std::string(doc["wiki_id"].GetString()));
        CPPUNIT_ASSERT_EQUAL(std::string("de.wikipedia.org"), std::string(doc["meta"]["domain"].GetString()));
        CPPUNIT_ASSERT(!doc["page"]["namespace_is_content"].GetBool());

        WikiSettings withoutServerName = enwiki();
        withoutServerName.serverName.clear();
        DecodeResult r = PageChangeDecoder(withoutServerName, "p", "u")
                             .decode("hooks/article-purge",
                                     edited(fixture("hooks/article-purge"), {{"/wiki", R"({"canonical_server":"https://fr.wikipedia.org"})"}}),
                                     "");
        CPPUNIT_ASSERT(r.events.at(0).json.find("\"domain\":\"fr.wikipedia.org\"") != std::string::npos);
    }

    void testRequestIdSources()
    {
        const std::string body = edited(fixture("hooks/article-purge"), {{"/request_id", "<remove>"}});
        DecodeResult r = decoder().decode("hooks/article-purge", body, "abc123");
        CPPUNIT_ASSERT(r.events.at(0).json.find("\"request_id\":\"abc123\"") != std::string::npos);
        r = decoder().decode("hooks/article-purge", body, "");
        auto doc = parsed(r.events.at(0).json);
        CPPUNIT_ASSERT_EQUAL(size_t(24), std::string(doc["meta"]["request_id"].GetString()).size());
        r = decoder().decode("hooks/article-purge", fixture("hooks/article-purge"), "abc123");
        CPPUNIT_ASSERT(r.events.at(0).json.find("\"request_id\":\"fc3a8587259ca5fc085ca830\"") != std::string::npos);
    }

    void testInvalidUtf8IsNamed()
    {
        std::string body = edited(fixture("hooks/article-purge"), {{"/page/title", "\"BAD\""}});
        body.replace(body.find("BAD"), 3, "\xc3\x28");
        assertRejected("hooks/article-purge", body, "invalid_payload", "page.title: invalid UTF-8");
    }

    void testDeepNestingIsRefused()
    {
        std::string deep = "{\"page\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
        DecodeResult r = decoded("hooks/article-purge", deep);
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), r.rejectReason);
        CPPUNIT_ASSERT_EQUAL(std::string("JSON nested deeper than 64 levels"), r.rejectMessage);
    }

    void testNothingHalfBuiltIsEmitted()
    {
        // The properties event could be built, the links list cannot: the request gives nothing.
        assertRejected("hooks/links-update-complete",
                       edited(fixture("hooks/links-update-complete"), {{"/removed_external_links", "[1]"}}),
                       "invalid_payload", "removed_external_links[0]: expected a string");
        assertRejected("hooks/article-revision-visibility-set",
                       edited(fixture("hooks/article-revision-visibility-set"), {{"/changes/1/old_bits", "<remove>"}}),
                       "invalid_payload", "changes[1].old_bits: missing");
    }

    void testTruncatedFixturesNeverCrash()
    {
        for (const std::string& route : PageChangeDecoder::routeNames()) {
            std::string body = fixture(route);
            body.erase(body.find_last_not_of(" \n") + 1);
            for (size_t cut = 0; cut < body.size(); cut += 7) {
                DecodeResult r = decoded(route, body.substr(0, cut));
                CPPUNIT_ASSERT(!r.ok());
                CPPUNIT_ASSERT(r.events.empty());
            }
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageChangePayloadTest);
