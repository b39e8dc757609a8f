#include "JobExecutorRegistry.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::JobExecutorRegistry;

namespace {
int executorA(void*, const char*, size_t, const eb_job_reply*) { return EB_OK; }
int executorB(void*, const char*, size_t, const eb_job_reply*) { return EB_OK; }
} // namespace

class JobExecutorRegistryTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JobExecutorRegistryTest);
    CPPUNIT_TEST(testExactTypeWinsOverFallback);
    CPPUNIT_TEST(testRefusesDuplicatesAndEmpty);
    CPPUNIT_TEST(testRemoveUser);
    CPPUNIT_TEST_SUITE_END();

public:
    void testExactTypeWinsOverFallback() {
        JobExecutorRegistry registry;
        int a = 0, b = 0;
        CPPUNIT_ASSERT(!registry.find("deletePage"));
        CPPUNIT_ASSERT(registry.add("*", &executorB, &b));
        CPPUNIT_ASSERT(registry.add("deletePage", &executorA, &a));
        CPPUNIT_ASSERT(registry.find("deletePage").fn == &executorA);
        CPPUNIT_ASSERT(registry.find("deletePage").user == &a);
        CPPUNIT_ASSERT(registry.find("refreshLinks").fn == &executorB);
        CPPUNIT_ASSERT(registry.find("refreshLinks").user == &b);
    }

    void testRefusesDuplicatesAndEmpty() {
        JobExecutorRegistry registry;
        int a = 0;
        CPPUNIT_ASSERT(registry.add("t", &executorA, &a));
        CPPUNIT_ASSERT(!registry.add("t", &executorB, &a));
        CPPUNIT_ASSERT(!registry.add("", &executorA, &a));
        CPPUNIT_ASSERT(!registry.add("u", nullptr, &a));
        CPPUNIT_ASSERT_EQUAL(size_t(1), registry.size());
        CPPUNIT_ASSERT(registry.find("t").fn == &executorA);
    }

    void testRemoveUser() {
        JobExecutorRegistry registry;
        int a = 0, b = 0;
        registry.add("t", &executorA, &a);
        registry.add("*", &executorA, &a);
        registry.add("u", &executorB, &b);
        registry.removeUser(&a);
        CPPUNIT_ASSERT_EQUAL(size_t(1), registry.size());
        CPPUNIT_ASSERT(!registry.find("t"));
        CPPUNIT_ASSERT(registry.find("u").fn == &executorB);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JobExecutorRegistryTest);
