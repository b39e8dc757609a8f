// The metrics registry: counters, gauges, histograms, sums over label subsets, and the Prometheus
// text format with escaped label values.
#include "MetricsRegistry.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::Labels;
using eventbus::MetricsRegistry;

class MetricsRegistryTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(MetricsRegistryTest);
    CPPUNIT_TEST(testCountersAndSums);
    CPPUNIT_TEST(testGauge);
    CPPUNIT_TEST(testRenderCounter);
    CPPUNIT_TEST(testLabelValuesAreEscapedNotNormalized);
    CPPUNIT_TEST(testHistogram);
    CPPUNIT_TEST(testManyObservationsAtOnceEqualOneByOne);
    CPPUNIT_TEST(testDescribedFamilyWithoutSeries);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCountersAndSums()
    {
        MetricsRegistry metrics;
        Labels a{{"event_service_name", "a"}, {"status_code", "201"}};
        Labels b{{"event_service_name", "b"}, {"status_code", "201"}};
        metrics.add("x_total", a);
        metrics.add("x_total", a, 2);
        metrics.add("x_total", b, 4);
        CPPUNIT_ASSERT_EQUAL(3.0, metrics.value("x_total", a));
        CPPUNIT_ASSERT_EQUAL(7.0, metrics.sum("x_total"));
        CPPUNIT_ASSERT_EQUAL(7.0, metrics.sum("x_total", {{"status_code", "201"}}));
        CPPUNIT_ASSERT_EQUAL(4.0, metrics.sum("x_total", {{"event_service_name", "b"}}));
        CPPUNIT_ASSERT_EQUAL(0.0, metrics.sum("x_total", {{"event_service_name", "c"}}));
        CPPUNIT_ASSERT_EQUAL(0.0, metrics.value("missing_total", a));
    }

    void testGauge()
    {
        MetricsRegistry metrics;
        metrics.set("g", {}, 5);
        metrics.set("g", {}, 2.5);
        CPPUNIT_ASSERT_EQUAL(2.5, metrics.value("g", {}));
        CPPUNIT_ASSERT(metrics.render().find("# TYPE g gauge\ng 2.5\n") != std::string::npos);
    }

    void testRenderCounter()
    {
        MetricsRegistry metrics;
        metrics.describe("mediawiki_EventBus_events_outgoing_total", "counter", "Events sent");
        metrics.add("mediawiki_EventBus_events_outgoing_total",
            {{"function_name", "send"}, {"event_type", "TYPE_EVENT"}, {"event_service_name", "eventgate"},
                {"event_service_uri", "http://localhost:8192/v1/events"}},
            3);
        std::string expected = "# HELP mediawiki_EventBus_events_outgoing_total Events sent\n"
                               "# TYPE mediawiki_EventBus_events_outgoing_total counter\n"
                               "mediawiki_EventBus_events_outgoing_total{function_name=\"send\",event_type=\"TYPE_EVENT\","
                               "event_service_name=\"eventgate\",event_service_uri=\"http://localhost:8192/v1/events\"} 3\n";
        CPPUNIT_ASSERT_EQUAL(expected, metrics.render());
    }

    void testLabelValuesAreEscapedNotNormalized()
    {
        MetricsRegistry metrics;
        metrics.add("c_total", {{"stream_name", "a\"b\\c\nd"}, {"event_service_name", "_disabled_eventbus_"}});
        std::string text = metrics.render();
        CPPUNIT_ASSERT(text.find("c_total{stream_name=\"a\\\"b\\\\c\\nd\",event_service_name=\"_disabled_eventbus_\"} 1\n")
            != std::string::npos);
    }

    void testHistogram()
    {
        MetricsRegistry metrics;
        metrics.describeHistogram("lat_seconds", "Latency", {0.1, 1});
        Labels labels{{"event_service_name", "eventgate"}};
        metrics.observe("lat_seconds", labels, 0.05);
        metrics.observe("lat_seconds", labels, 0.1);
        metrics.observe("lat_seconds", labels, 0.5);
        metrics.observe("lat_seconds", labels, 3);
        CPPUNIT_ASSERT_EQUAL(4.0, metrics.value("lat_seconds", labels));
        std::string expected = "# HELP lat_seconds Latency\n"
                               "# TYPE lat_seconds histogram\n"
                               "lat_seconds_bucket{event_service_name=\"eventgate\",le=\"0.1\"} 2\n"
                               "lat_seconds_bucket{event_service_name=\"eventgate\",le=\"1\"} 3\n"
                               "lat_seconds_bucket{event_service_name=\"eventgate\",le=\"+Inf\"} 4\n"
                               "lat_seconds_sum{event_service_name=\"eventgate\"} 3.65\n"
                               "lat_seconds_count{event_service_name=\"eventgate\"} 4\n";
        CPPUNIT_ASSERT_EQUAL(expected, metrics.render());
    }

    void testManyObservationsAtOnceEqualOneByOne()
    {
        MetricsRegistry single, many;
        Labels labels{{"event_service_name", "eventgate"}};
        for (MetricsRegistry* m : {&single, &many})
            m->describeHistogram("lat_seconds", "Latency", {0.1, 1});
        for (double v : {0.05, 0.1, 0.5, 3.0})
            single.observe("lat_seconds", labels, v);
        many.observe("lat_seconds", labels, std::vector<double>{0.05, 0.1});
        many.observe("lat_seconds", labels, std::vector<double>{0.5, 3.0});
        CPPUNIT_ASSERT_EQUAL(4.0, many.value("lat_seconds", labels));
        CPPUNIT_ASSERT_EQUAL(single.render(), many.render());
    }

    void testDescribedFamilyWithoutSeries()
    {
        MetricsRegistry metrics;
        metrics.describe("mediawiki_EventBus_event_batch_is_string_total", "counter", "Never\nused");
        CPPUNIT_ASSERT_EQUAL(std::string("# HELP mediawiki_EventBus_event_batch_is_string_total Never\\nused\n"
                                         "# TYPE mediawiki_EventBus_event_batch_is_string_total counter\n"),
            metrics.render());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricsRegistryTest);
