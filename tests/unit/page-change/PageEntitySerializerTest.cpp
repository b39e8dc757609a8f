// PageEntitySerializer: page entity and page_link entity (spec sections 4.2, 4.3 and 10).
#include "PageChangeFixtures.h"
#include "PageEntitySerializer.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace pagechangetest;
using namespace eventbus::pagechange;

namespace {

PageState myPage(int64_t ns = 0, const std::string& title = "MyPage")
{
    PageState p;
    p.id = 50;
    p.title = title;
    p.namespaceId = ns;
    return p;
}

std::string entity(const PageState& page, const std::string& version, const WikiSettings& wiki = enwiki())
{
    rapidjson::Document doc;
    return eventbus::json::encode(PageEntitySerializer(wiki).toEntity(page, doc.GetAllocator(), version));
}

std::string link(const LinkTarget& target)
{
    rapidjson::Document doc;
    WikiSettings wiki = enwiki();
    return eventbus::json::encode(PageEntitySerializer(wiki).toLinkEntity(target, doc.GetAllocator()));
}

} // namespace

class PageEntitySerializerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PageEntitySerializerTest);
    CPPUNIT_TEST(testEarliestVersion);
    CPPUNIT_TEST(testContentNamespace);
    CPPUNIT_TEST(testTalkNamespaceIsNotContent);
    CPPUNIT_TEST(testCanonicalPageUrl);
    CPPUNIT_TEST(testLinkToExistingPageWithInterwiki);
    CPPUNIT_TEST(testLinkToLocalPage);
    CPPUNIT_TEST(testLinkToMissingPage);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEarliestVersion()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_id":50,"page_title":"MyPage","namespace_id":0,"is_redirect":false})"),
                             entity(myPage(), PageEntitySerializer::kEarliestVersion));
    }

    void testContentNamespace()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_id":50,"page_title":"MyPage","namespace_id":0,"is_redirect":false,"namespace_is_content":true})"),
                             entity(myPage(), "2.1.0"));
        WikiSettings wiki = enwiki();
        wiki.contentNamespaces = {0, 100};
        CPPUNIT_ASSERT(entity(myPage(100, "Portal:X"), "2.1.0", wiki).find("\"namespace_is_content\":true") != std::string::npos);
    }

    void testTalkNamespaceIsNotContent()
    {
        CPPUNIT_ASSERT(entity(myPage(1, "Talk:MyPage"), "2.1.0").find("\"namespace_is_content\":false") != std::string::npos);
    }

    void testCanonicalPageUrl()
    {
        WikiSettings wiki;
        wiki.canonicalServer = "http://my_wiki.org";
        CPPUNIT_ASSERT_EQUAL(std::string("http://my_wiki.org/wiki/MyPage"), PageEntitySerializer(wiki).canonicalPageUrl(myPage()));
        CPPUNIT_ASSERT_EQUAL(std::string("http://my_wiki.org/wiki/Talk:A%3F_b%C3%A9(1)"),
                             PageEntitySerializer(wiki).canonicalPageUrl(myPage(1, "Talk:A?_b\xc3\xa9(1)")));
    }

    void testLinkToExistingPageWithInterwiki()
    {
        // Core formats an interwiki target's prefixed DB key with the prefix (spec section 4.3);
        // such a target never carries the local page's id.
        LinkTarget target;
        target.title = "MyPage";
        target.interwiki = "OtherWiki";
        target.pageId = 50;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"OtherWiki:MyPage","namespace_id":0,"interwiki_prefix":"OtherWiki"})"),
                             link(target));
    }

    void testLinkToLocalPage()
    {
        LinkTarget target;
        target.title = "MyPage";
        target.pageId = 50;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"MyPage","namespace_id":0,"page_id":50,"is_redirect":false})"), link(target));
    }

    void testLinkToMissingPage()
    {
        LinkTarget target;
        target.title = "Help:Missing";
        target.namespaceId = 12;
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"page_title":"Help:Missing","namespace_id":12})"), link(target));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageEntitySerializerTest);
