#include "eventbus/Url.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using eventbus::articleUrl;
using eventbus::urlencode;
using eventbus::wfUrlencode;

class UrlTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(UrlTest);
    CPPUNIT_TEST(testUnreservedStay);
    CPPUNIT_TEST(testSpaceBecomesPlus);
    CPPUNIT_TEST(testOtherBytesUppercaseHex);
    CPPUNIT_TEST(testRestoredCharacters);
    CPPUNIT_TEST(testPhpUrlencodeRestoresNothing);
    CPPUNIT_TEST(testPrefixedDbKeys);
    CPPUNIT_TEST(testArticleUrl);
    CPPUNIT_TEST(testArticleUrlEveryPlaceholder);
    CPPUNIT_TEST(testUserPageUrl);
    CPPUNIT_TEST_SUITE_END();

public:
    void testUnreservedStay() {
        CPPUNIT_ASSERT_EQUAL(std::string("AZaz09-_."), wfUrlencode("AZaz09-_."));
    }

    void testSpaceBecomesPlus() { CPPUNIT_ASSERT_EQUAL(std::string("a+b+"), wfUrlencode("a b ")); }

    void testOtherBytesUppercaseHex() {
        CPPUNIT_ASSERT_EQUAL(std::string("%C3%A9%E2%82%AC"), wfUrlencode("\xC3\xA9\xE2\x82\xAC"));
        CPPUNIT_ASSERT_EQUAL(std::string("a%26b%3Dc%3Fd%23e%2Bf%25g%22h%27%3C%3E%5B%5D%7B%7D%7C%5C%5E%60"),
                             wfUrlencode("a&b=c?d#e+f%g\"h'<>[]{}|\\^`"));
        CPPUNIT_ASSERT_EQUAL(std::string("%00%0A%7F%FF"), wfUrlencode(std::string_view("\0\n\x7F\xFF", 4)));
    }

    void testRestoredCharacters() {
        CPPUNIT_ASSERT_EQUAL(std::string(";@$!*(),/~:"), wfUrlencode(";@$!*(),/~:"));
        // A literal "%3B" in the input is a percent sign plus text, not an encoded ';'.
        CPPUNIT_ASSERT_EQUAL(std::string("%253B"), wfUrlencode("%3B"));
    }

    void testPhpUrlencodeRestoresNothing() {
        // PHP's urlencode (campaign names in meta.uri) encodes what wfUrlencode restores.
        CPPUNIT_ASSERT_EQUAL(std::string("Test+Campaign%2F%C3%A9-_."), urlencode("Test Campaign/\xc3\xa9-_."));
        CPPUNIT_ASSERT_EQUAL(std::string("a%26b%3Dc"), urlencode("a&b=c"));
        CPPUNIT_ASSERT_EQUAL(std::string("%3B%40%24%21%2A%28%29%2C%2F%7E%3A"), urlencode(";@$!*(),/~:"));
    }

    void testPrefixedDbKeys() {
        CPPUNIT_ASSERT_EQUAL(std::string("Talk:Foo_bar"), wfUrlencode("Talk:Foo_bar"));
        CPPUNIT_ASSERT_EQUAL(std::string("Main_Page"), wfUrlencode("Main_Page"));
        CPPUNIT_ASSERT_EQUAL(std::string("C%2B%2B_(language)"), wfUrlencode("C++_(language)"));
        CPPUNIT_ASSERT_EQUAL(std::string("AC/DC"), wfUrlencode("AC/DC"));
    }

    void testArticleUrl() {
        CPPUNIT_ASSERT_EQUAL(std::string("http://my_wiki.org/wiki/MyPage"),
                             articleUrl("http://my_wiki.org", "/wiki/$1", "MyPage"));
        CPPUNIT_ASSERT_EQUAL(std::string("https://en.wikipedia.org/wiki/Talk:Caf%C3%A9_%26_Bar"),
                             articleUrl("https://en.wikipedia.org", "/wiki/$1", "Talk:Caf\xC3\xA9_&_Bar"));
    }

    void testArticleUrlEveryPlaceholder() {
        CPPUNIT_ASSERT_EQUAL(std::string("//w/index.php?title=A%3F&x=A%3F"),
                             articleUrl("//w", "/index.php?title=$1&x=$1", "A?"));
        CPPUNIT_ASSERT_EQUAL(std::string("http://h/static"), articleUrl("http://h", "/static", "X"));
    }

    void testUserPageUrl() {
        CPPUNIT_ASSERT_EQUAL(std::string("http://my_wiki.org/wiki/User:Some_user"),
                             articleUrl("http://my_wiki.org", "/wiki/$1", "User:Some_user"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(UrlTest);
