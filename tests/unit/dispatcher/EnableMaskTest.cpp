// EnableEventBus parsing: the spec's test vectors (1.2) and its error messages.
#include "EnableMask.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

using eventbus::EnableMask;

class EnableMaskTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(EnableMaskTest);
    CPPUNIT_TEST(testSpecVectors);
    CPPUNIT_TEST(testIntegerFormHasNoQuirk);
    CPPUNIT_TEST(testGate);
    CPPUNIT_TEST(testErrors);
    CPPUNIT_TEST(testTypeNames);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSpecVectors()
    {
        CPPUNIT_ASSERT_EQUAL(7, EnableMask("").value());
        CPPUNIT_ASSERT_EQUAL(7, EnableMask("TYPE_ALL").value());
        CPPUNIT_ASSERT_EQUAL(0, EnableMask("TYPE_NONE").value());
        CPPUNIT_ASSERT_EQUAL(2, EnableMask("TYPE_JOB").value());
        CPPUNIT_ASSERT_EQUAL(5, EnableMask("TYPE_EVENT|TYPE_PURGE").value());
        CPPUNIT_ASSERT_EQUAL(5, EnableMask("5").value());
    }

    void testIntegerFormHasNoQuirk()
    {
        // Through the PHP factory "7" was "not recognized" and "0" meant TYPE_ALL.
        CPPUNIT_ASSERT_EQUAL(7, EnableMask("7").value());
        CPPUNIT_ASSERT_EQUAL(0, EnableMask("0").value());
        CPPUNIT_ASSERT_EQUAL(3, EnableMask("TYPE_EVENT|TYPE_JOB").value());
    }

    void testGate()
    {
        EnableMask jobs("TYPE_JOB");
        CPPUNIT_ASSERT(jobs.allows(EnableMask::JOB));
        CPPUNIT_ASSERT(!jobs.allows(EnableMask::EVENT));
        CPPUNIT_ASSERT(!jobs.allows(EnableMask::PURGE));
        CPPUNIT_ASSERT(!EnableMask("TYPE_NONE").allows(EnableMask::EVENT));
        CPPUNIT_ASSERT(EnableMask("").allows(EnableMask::PURGE));
    }

    void testErrors()
    {
        assertThrows("TYPE_EVENT | TYPE_JOB", "EnableEventBus: TYPE_EVENT  not recognized");
        assertThrows("type_event", "EnableEventBus: type_event not recognized");
        assertThrows("TYPE_EVENT|", "EnableEventBus:  not recognized");
        assertThrows("8", "Invalid $enableEventBus parameter: 8");
        assertThrows("99999999999999999999", "Invalid $enableEventBus parameter: 99999999999999999999");
    }

    void testTypeNames()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("TYPE_EVENT"), EnableMask::typeName(1));
        CPPUNIT_ASSERT_EQUAL(std::string("TYPE_JOB"), EnableMask::typeName(2));
        CPPUNIT_ASSERT_EQUAL(std::string("TYPE_PURGE"), EnableMask::typeName(4));
        CPPUNIT_ASSERT_EQUAL(std::string("3"), EnableMask::typeName(3));
    }

private:
    static void assertThrows(const std::string& setting, const std::string& message)
    {
        try {
            EnableMask mask(setting);
            CPPUNIT_FAIL("no error for '" + setting + "'");
        } catch (const std::invalid_argument& e) {
            CPPUNIT_ASSERT_EQUAL(message, std::string(e.what()));
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EnableMaskTest);
