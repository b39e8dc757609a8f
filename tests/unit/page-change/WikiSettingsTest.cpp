// WikiSettings: the URL and title encodings of spec section 0.3 and the wiki-level fallbacks.
#include "WikiSettings.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

using eventbus::pagechange::ForeignWiki;
using eventbus::pagechange::WikiSettings;

class WikiSettingsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(WikiSettingsTest);
    CPPUNIT_TEST(testArticleUrl);
    CPPUNIT_TEST(testLocalUrlPathIsEncodedOnce);
    CPPUNIT_TEST(testUserPageUrl);
    CPPUNIT_TEST(testForeignUserPageUrl);
    CPPUNIT_TEST(testFallbacks);
    CPPUNIT_TEST(testHostOf);
    CPPUNIT_TEST(testNamespaceList);
    CPPUNIT_TEST_SUITE_END();

public:
    void testArticleUrl()
    {
        WikiSettings wiki;
        wiki.canonicalServer = "http://my_wiki.org";
        CPPUNIT_ASSERT_EQUAL(std::string("http://my_wiki.org/wiki/MyPage"), wiki.articleUrl("MyPage"));
        wiki.articlePath = "/index.php?title=$1";
        CPPUNIT_ASSERT_EQUAL(std::string("http://my_wiki.org/index.php?title=A%26B_(c):d"), wiki.articleUrl("A&B_(c):d"));
    }

    void testLocalUrlPathIsEncodedOnce()
    {
        WikiSettings wiki;
        CPPUNIT_ASSERT_EQUAL(std::string("/wiki/Added_link_1%3F_%3D"), wiki.localUrlPath("Added_link_1?_="));
        CPPUNIT_ASSERT_EQUAL(std::string("/wiki/Added_link_1"), wiki.localUrlPath("Added_link_1"));
    }

    void testUserPageUrl()
    {
        WikiSettings wiki;
        wiki.canonicalServer = "https://de.wikipedia.org";
        wiki.userNamespace = "Benutzer";
        CPPUNIT_ASSERT_EQUAL(std::string("https://de.wikipedia.org/wiki/Benutzer:Some_User"), wiki.userPageUrl("Some User"));
        CPPUNIT_ASSERT_EQUAL(std::string("https://de.wikipedia.org/wiki/Benutzer:192.0.2.0/24"), wiki.userPageUrl("192.0.2.0/24"));
    }

    void testForeignUserPageUrl()
    {
        WikiSettings wiki;
        wiki.canonicalServer = "https://de.wikipedia.org";
        wiki.userNamespace = "Benutzer";
        wiki.wikiMap["foreignwiki"] = ForeignWiki{"https://foreign.example.org", "/w/$1"};
        CPPUNIT_ASSERT_EQUAL(std::string("https://foreign.example.org/w/User:Foreign_User"),
                             wiki.foreignUserPageUrl("foreignwiki", "Foreign User"));
        CPPUNIT_ASSERT_EQUAL(std::string("https://de.wikipedia.org/wiki/Benutzer:Foreign_User"),
                             wiki.foreignUserPageUrl("unknownwiki", "Foreign User"));
    }

    void testFallbacks()
    {
        WikiSettings wiki;
        wiki.canonicalServer = "https://en.wikipedia.org";
        wiki.database = "enwiki";
        CPPUNIT_ASSERT_EQUAL(std::string("enwiki"), wiki.currentWikiId());
        CPPUNIT_ASSERT_EQUAL(std::string("en.wikipedia.org"), wiki.modernDomain());
        CPPUNIT_ASSERT_EQUAL(std::string("en.wikipedia.org"), wiki.legacyDomain());
        wiki.wikiId = "enwiki-mw_";
        wiki.domain = "en.example";
        wiki.serverName = "server.example";
        CPPUNIT_ASSERT_EQUAL(std::string("enwiki-mw_"), wiki.currentWikiId());
        CPPUNIT_ASSERT_EQUAL(std::string("en.example"), wiki.modernDomain());
        CPPUNIT_ASSERT_EQUAL(std::string("server.example"), wiki.legacyDomain());
        CPPUNIT_ASSERT(wiki.isContentNamespace(0));
        CPPUNIT_ASSERT(!wiki.isContentNamespace(1));
    }

    void testHostOf()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("en.wikipedia.org"), WikiSettings::hostOf("https://en.wikipedia.org"));
        CPPUNIT_ASSERT_EQUAL(std::string("en.wikipedia.org"), WikiSettings::hostOf("//en.wikipedia.org/x"));
        CPPUNIT_ASSERT_EQUAL(std::string("localhost"), WikiSettings::hostOf("http://localhost:8080"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), WikiSettings::hostOf(""));
    }

    void testNamespaceList()
    {
        CPPUNIT_ASSERT(std::vector<int64_t>({0, 14, 100}) == WikiSettings::parseNamespaceList("0, 14,100"));
        CPPUNIT_ASSERT(WikiSettings::parseNamespaceList("").empty());
        CPPUNIT_ASSERT_THROW(WikiSettings::parseNamespaceList("0,x"), std::invalid_argument);
        CPPUNIT_ASSERT_THROW(WikiSettings::parseNamespaceList("1.5"), std::invalid_argument);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(WikiSettingsTest);
