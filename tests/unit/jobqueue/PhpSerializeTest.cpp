#include "PhpSerialize.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::jobqueue::PhpSerialize;

class PhpSerializeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PhpSerializeTest);
    CPPUNIT_TEST(testScalars);
    CPPUNIT_TEST(testFloats);
    CPPUNIT_TEST(testStringsAreRawBytesWithByteLength);
    CPPUNIT_TEST(testListsAndMaps);
    CPPUNIT_TEST(testIntegerKeys);
    CPPUNIT_TEST_SUITE_END();

    static std::string of(const char* json) {
        rapidjson::Document doc;
        doc.Parse(json);
        CPPUNIT_ASSERT_MESSAGE(json, !doc.HasParseError());
        return PhpSerialize::serialize(doc);
    }

public:
    void testScalars() {
        CPPUNIT_ASSERT_EQUAL(std::string("N;"), of("null"));
        CPPUNIT_ASSERT_EQUAL(std::string("b:1;"), of("true"));
        CPPUNIT_ASSERT_EQUAL(std::string("b:0;"), of("false"));
        CPPUNIT_ASSERT_EQUAL(std::string("i:0;"), of("0"));
        CPPUNIT_ASSERT_EQUAL(std::string("i:-42;"), of("-42"));
        CPPUNIT_ASSERT_EQUAL(std::string("i:9223372036854775807;"), of("9223372036854775807"));
    }

    void testFloats() {
        CPPUNIT_ASSERT_EQUAL(std::string("d:0.5;"), of("0.5"));
        CPPUNIT_ASSERT_EQUAL(std::string("d:1;"), of("1.0"));
        CPPUNIT_ASSERT_EQUAL(std::string("d:-0;"), of("-0.0"));
        CPPUNIT_ASSERT_EQUAL(std::string("d:1.0E+25;"), of("1e25"));
        CPPUNIT_ASSERT_EQUAL(std::string("d:1.5E-5;"), of("1.5e-5"));
        CPPUNIT_ASSERT_EQUAL(std::string("d:0.0001;"), of("0.0001"));
        // Beyond PHP_INT_MAX json_decode gives a float.
        CPPUNIT_ASSERT_EQUAL(std::string("d:9.223372036854776E+18;"), of("9223372036854775808"));
    }

    void testStringsAreRawBytesWithByteLength() {
        CPPUNIT_ASSERT_EQUAL(std::string("s:9:\"Main_Page\";"), of("\"Main_Page\""));
        CPPUNIT_ASSERT_EQUAL(std::string("s:3:\"\xc3\xa9\"\";"), of("\"\\u00e9\\\"\""));
        CPPUNIT_ASSERT_EQUAL(std::string("s:0:\"\";"), of("\"\""));
    }

    void testListsAndMaps() {
        CPPUNIT_ASSERT_EQUAL(std::string("a:0:{}"), of("[]"));
        CPPUNIT_ASSERT_EQUAL(std::string("a:0:{}"), of("{}"));
        CPPUNIT_ASSERT_EQUAL(std::string("a:2:{i:0;s:1:\"a\";i:1;a:1:{s:1:\"b\";N;}}"), of("[\"a\",{\"b\":null}]"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("a:2:{s:4:\"type\";s:10:\"deletePage\";s:6:\"params\";a:2:{s:9:\"namespace\";i:0;"
                        "s:5:\"title\";s:9:\"Main_Page\";}}"),
            of("{\"type\":\"deletePage\",\"params\":{\"namespace\":0,\"title\":\"Main_Page\"}}"));
    }

    void testIntegerKeys() {
        CPPUNIT_ASSERT_EQUAL(std::string("a:4:{i:0;b:1;i:12;b:1;i:-3;b:1;s:3:\"012\";b:1;}"),
                             of("{\"0\":true,\"12\":true,\"-3\":true,\"012\":true}"));
        CPPUNIT_ASSERT(!PhpSerialize::isIntegerKey("-0"));
        CPPUNIT_ASSERT(!PhpSerialize::isIntegerKey("+1"));
        CPPUNIT_ASSERT(!PhpSerialize::isIntegerKey("1.5"));
        CPPUNIT_ASSERT(!PhpSerialize::isIntegerKey(""));
        CPPUNIT_ASSERT(!PhpSerialize::isIntegerKey("9223372036854775808"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PhpSerializeTest);
