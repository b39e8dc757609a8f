// Stream routing as EventBusFactoryIntegrationTest expects (spec 2.3), regex keys, the names map
// and configuration errors found at construction.
#include "StreamRouter.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

using eventbus::DispatchSettings;
using eventbus::ServiceSettings;
using eventbus::StreamRouter;
using eventbus::StreamSettings;

class StreamRouterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(StreamRouterTest);
    CPPUNIT_TEST(testWithoutStreamConfigEverythingGoesToDefault);
    CPPUNIT_TEST(testFactoryIntegrationTable);
    CPPUNIT_TEST(testUndefinedServiceIsAConfigurationError);
    CPPUNIT_TEST(testUnknownDefaultServiceIsAConfigurationError);
    CPPUNIT_TEST(testRegexKeysInDeclarationOrder);
    CPPUNIT_TEST(testBadRegexIsAConfigurationError);
    CPPUNIT_TEST(testNamesMap);
    CPPUNIT_TEST_SUITE_END();

public:
    void testWithoutStreamConfigEverythingGoesToDefault()
    {
        DispatchSettings settings = base();
        settings.streams.push_back(stream("other_stream", "intake-other"));
        settings.streams.push_back(stream("stream_with_undefined_event_service", "undefined_event_service"));
        StreamRouter router(settings); // per-stream settings are ignored, so the bad one too
        CPPUNIT_ASSERT_EQUAL(std::string("intake-main"), router.serviceFor("my_stream"));
        CPPUNIT_ASSERT_EQUAL(std::string("intake-main"), router.serviceFor("other_stream"));
        CPPUNIT_ASSERT_EQUAL(std::string("intake-main"), router.serviceFor("stream_with_undefined_event_service"));
    }

    void testFactoryIntegrationTable()
    {
        StreamRouter router(factoryConfig());
        CPPUNIT_ASSERT_EQUAL(std::string("intake-main"), router.serviceFor("stream_without_destination_event_service"));
        CPPUNIT_ASSERT_EQUAL(StreamRouter::DISABLED_SERVICE, router.serviceFor("undeclared_stream"));
        CPPUNIT_ASSERT_EQUAL(std::string("intake-other"), router.serviceFor("other_stream"));
        CPPUNIT_ASSERT_EQUAL(StreamRouter::DISABLED_SERVICE, router.serviceFor("disabled_stream"));
        CPPUNIT_ASSERT_EQUAL(std::string("intake-main"),
            router.serviceFor("stream_with_destination_event_service_backwards_compatible_setting"));
        CPPUNIT_ASSERT_EQUAL(std::string("_disabled_eventbus_"), StreamRouter::DISABLED_SERVICE);
    }

    void testUndefinedServiceIsAConfigurationError()
    {
        DispatchSettings settings = factoryConfig();
        settings.streams.push_back(stream("stream_with_undefined_event_service", "undefined_event_service"));
        assertThrows(settings, "Could not get EventBus instance for event service 'undefined_event_service'");
        settings.streams.back().service.clear();
        settings.streams.back().destinationEventService = "intake-no-url";
        assertThrows(settings, "'intake-no-url'");
        settings.streams.back().enabled = false; // a disabled stream's service is never used
        StreamRouter router(settings);
        CPPUNIT_ASSERT_EQUAL(StreamRouter::DISABLED_SERVICE, router.serviceFor("stream_with_undefined_event_service"));
    }

    void testUnknownDefaultServiceIsAConfigurationError()
    {
        DispatchSettings settings = base();
        settings.defaultService = "testbus";
        assertThrows(settings, "EventServiceDefault: Could not get EventBus instance for event service 'testbus'");
    }

    void testRegexKeysInDeclarationOrder()
    {
        DispatchSettings settings = factoryConfig();
        settings.streams.push_back(stream("/^mediawiki\\.job\\.special$/", "intake-other"));
        settings.streams.push_back(stream("/^mediawiki\\.job\\./", "intake-main"));
        settings.streams.push_back(stream("/^MediaWiki\\.Purge/i", "intake-other"));
        settings.streams.push_back(stream("mediawiki.job.exact", "intake-other"));
        StreamRouter router(settings);
        CPPUNIT_ASSERT_EQUAL(std::string("intake-other"), router.serviceFor("mediawiki.job.special"));
        CPPUNIT_ASSERT_EQUAL(std::string("intake-main"), router.serviceFor("mediawiki.job.refreshLinks"));
        CPPUNIT_ASSERT_EQUAL(std::string("intake-main"), router.serviceFor("mediawiki.job.refreshLinks")); // memoized
        CPPUNIT_ASSERT_EQUAL(std::string("intake-other"), router.serviceFor("mediawiki.job.exact")); // exact wins
        CPPUNIT_ASSERT_EQUAL(std::string("intake-other"), router.serviceFor("mediawiki.purge"));
        CPPUNIT_ASSERT_EQUAL(StreamRouter::DISABLED_SERVICE, router.serviceFor("xmediawiki.job.a"));
    }

    void testBadRegexIsAConfigurationError()
    {
        DispatchSettings settings = factoryConfig();
        settings.streams.push_back(stream("/mediawiki.(job/", "intake-main"));
        assertThrows(settings, "stream key /mediawiki.(job/: invalid regex");
    }

    void testNamesMap()
    {
        DispatchSettings settings = base();
        settings.streamNamesMap = {{"a", "b"}};
        StreamRouter router(settings);
        CPPUNIT_ASSERT_EQUAL(std::string("b"), router.resolveName("a"));
        CPPUNIT_ASSERT_EQUAL(std::string("c"), router.resolveName("c"));
    }

private:
    static StreamSettings stream(const std::string& name, const std::string& service)
    {
        StreamSettings s;
        s.name = name;
        s.service = service;
        return s;
    }

    static DispatchSettings base()
    {
        DispatchSettings settings;
        settings.defaultService = "intake-main";
        ServiceSettings main;
        main.name = "intake-main";
        main.url = "http://intake.main";
        ServiceSettings other;
        other.name = "intake-other";
        other.url = "http://intake.other";
        other.forwardClientIp = true;
        ServiceSettings noUrl;
        noUrl.name = "intake-no-url";
        settings.services = {main, other, noUrl};
        return settings;
    }

    static DispatchSettings factoryConfig()
    {
        DispatchSettings settings = base();
        settings.streamConfig = true;
        settings.streams.push_back(stream("other_stream", "intake-other"));
        settings.streams.push_back(stream("stream_without_destination_event_service", ""));
        StreamSettings disabled = stream("disabled_stream", "");
        disabled.enabled = false;
        disabled.destinationEventService = "intake-other";
        settings.streams.push_back(disabled);
        StreamSettings legacy = stream("stream_with_destination_event_service_backwards_compatible_setting", "");
        legacy.destinationEventService = "intake-main";
        settings.streams.push_back(legacy);
        return settings;
    }

    static void assertThrows(const DispatchSettings& settings, const std::string& expected)
    {
        try {
            StreamRouter router(settings);
            CPPUNIT_FAIL("no error, expected: " + expected);
        } catch (const std::invalid_argument& e) {
            std::string message = e.what();
            CPPUNIT_ASSERT_MESSAGE(message, message.find(expected) != std::string::npos);
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamRouterTest);
