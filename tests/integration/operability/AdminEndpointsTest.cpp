// /metrics, /healthz and /v1/plugins after a scripted run (issue 8, acceptance 1).
#include "FakeEventGate.h"
#include "OperabilityDaemon.h"
#include "PrometheusText.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <csignal>

using namespace eventbus;
using namespace eventbus::test;

class AdminEndpointsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(AdminEndpointsTest);
    CPPUNIT_TEST(testMetricsAfterScriptedRun);
    CPPUNIT_TEST(testHealthAndPlugins);
    CPPUNIT_TEST(testKernelDropsOfDatagramsAreCounted);
    CPPUNIT_TEST(testPrometheusParserIsStrict);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMetricsAfterScriptedRun()
    {
        FakeEventGate gate;
        gate.start();
        // One event is refused as invalid (dead letter), the rest are accepted.
        gate.setDefault(FakeEventGate::created());
        OperabilityDaemon d(gate.url());
        d.start();
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/test/events", testEvent("ok-" + std::to_string(i))));
        CPPUNIT_ASSERT_EQUAL(400, httpRequest(d.httpPort, "POST", "/test/events", "{broken"));
        for (int i = 0; i < 3; ++i) sendUdp(d.udpPort, testEvent("udp-" + std::to_string(i), "other.stream"));
        CPPUNIT_ASSERT(gate.waitForEvents(8, std::chrono::steady_clock::now() + std::chrono::seconds(10)));

        std::string text;
        Exposition e;
        CPPUNIT_ASSERT(waitUntil([&] {
            d.admin("/metrics", &text);
            e = parsePrometheusText(text);
            // Received is counted after the submission, so it can trail the delivery.
            return e.has("mediawiki_EventBus_events_accepted_total") &&
                   e.value("eventbus_backlog_events") == 0 &&
                   e.value("eventbus_ingress_received_total", {{"plugin", "test-echo"}, {"listener", "udp"}}) >= 3;
        }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(std::string("counter"), e.types.at("eventbus_ingress_received_total"));
        CPPUNIT_ASSERT_EQUAL(6.0, e.value("eventbus_ingress_received_total", {{"plugin", "test-echo"}, {"listener", "http"}}));
        CPPUNIT_ASSERT_EQUAL(3.0, e.value("eventbus_ingress_received_total", {{"plugin", "test-echo"}, {"listener", "udp"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, e.value("eventbus_ingress_rejected_total", {{"plugin", "test-echo"}, {"reason", "malformed_json"}}));
        double outgoing = 0, accepted = 0;
        for (const auto& s : e.samples) {
            if (s.name == "mediawiki_EventBus_events_outgoing_total") {
                CPPUNIT_ASSERT_EQUAL(std::string("send"), s.labels.at("function_name"));
                CPPUNIT_ASSERT_EQUAL(std::string("TYPE_EVENT"), s.labels.at("event_type"));
                CPPUNIT_ASSERT_EQUAL(std::string("main"), s.labels.at("event_service_name"));
                CPPUNIT_ASSERT_EQUAL(gate.url(), s.labels.at("event_service_uri"));
                outgoing += s.value;
            }
            if (s.name == "mediawiki_EventBus_events_accepted_total") accepted += s.value;
        }
        CPPUNIT_ASSERT_EQUAL(8.0, outgoing);
        CPPUNIT_ASSERT_EQUAL(8.0, accepted);
        CPPUNIT_ASSERT_EQUAL(5.0, e.value("mediawiki_EventBus_events_outgoing_by_stream_total", {{"stream_name", "test.event"}}));
        CPPUNIT_ASSERT_EQUAL(3.0, e.value("mediawiki_EventBus_events_outgoing_by_stream_total", {{"stream_name", "other.stream"}}));
        CPPUNIT_ASSERT(e.has("mediawiki_EventBus_event_service_response_total", {{"status_code", "201"}}));
        CPPUNIT_ASSERT_EQUAL(std::string("histogram"), e.types.at("eventbus_delivery_latency_seconds"));
        CPPUNIT_ASSERT(e.has("eventbus_delivery_latency_seconds_count"));
        CPPUNIT_ASSERT_EQUAL(1.0, e.value("eventbus_plugin_up", {{"plugin", "test-echo"}}));
        CPPUNIT_ASSERT_EQUAL(1.0, e.value("eventbus_ready"));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }

    void testKernelDropsOfDatagramsAreCounted()
    {
        OperabilityDaemon d;
        d.start();
        const std::map<std::string, std::string> udp = {{"plugin", "test-echo"}, {"listener", "udp"}};
        std::string text;
        Exposition e;
        // The series exists before any drop.
        CPPUNIT_ASSERT(waitUntil([&] {
            d.admin("/metrics", &text);
            e = parsePrometheusText(text);
            return e.has("eventbus_ingress_udp_dropped_total", udp);
        }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(0.0, e.value("eventbus_ingress_udp_dropped_total", udp));
        CPPUNIT_ASSERT_EQUAL(std::string("counter"), e.types.at("eventbus_ingress_udp_dropped_total"));
        // Stopped, the daemon reads nothing: what does not fit its socket's receive buffer (at most
        // 8 MB; 24 MB are sent) is dropped by the kernel, and counted once the daemon runs again.
        const int sent = 3000;
        const std::string pad(8000, 'x');
        CPPUNIT_ASSERT_EQUAL(0, ::kill(d.process->pid(), SIGSTOP));
        for (int i = 0; i < sent; ++i)
            sendUdp(d.udpPort, R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event","id":"k)" +
                                   std::to_string(i) + R"(","dt":"2026-01-01T00:00:00Z"},"pad":")" + pad + "\"}");
        CPPUNIT_ASSERT_EQUAL(0, ::kill(d.process->pid(), SIGCONT));
        CPPUNIT_ASSERT_MESSAGE(text, waitUntil([&] {
            d.admin("/metrics", &text);
            e = parsePrometheusText(text);
            return e.has("eventbus_ingress_received_total", udp) &&
                   e.value("eventbus_ingress_udp_dropped_total", udp) + e.value("eventbus_ingress_received_total", udp) ==
                       sent;
        }, std::chrono::seconds(20)));
        CPPUNIT_ASSERT_MESSAGE(text, e.value("eventbus_ingress_udp_dropped_total", udp) > 0);
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.process->log().find("the kernel dropped") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(10)));
    }

    void testHealthAndPlugins()
    {
        OperabilityDaemon d;
        d.start();
        std::string body;
        CPPUNIT_ASSERT_EQUAL(200, d.admin("/healthz", &body));
        CPPUNIT_ASSERT_EQUAL(200, d.admin("/readyz", &body));
        CPPUNIT_ASSERT_EQUAL(200, d.admin("/v1/plugins", &body));
        Poco::JSON::Parser parser;
        auto plugins = parser.parse(body).extract<Poco::JSON::Array::Ptr>();
        CPPUNIT_ASSERT_EQUAL(size_t(1), plugins->size());
        auto p = plugins->getObject(0);
        CPPUNIT_ASSERT_EQUAL(std::string("test-echo"), p->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("1.0"), p->getValue<std::string>("abi"));
        CPPUNIT_ASSERT_EQUAL(std::string("running"), p->getValue<std::string>("state"));
        CPPUNIT_ASSERT_EQUAL(size_t(2), p->getArray("listeners")->size());
        CPPUNIT_ASSERT_EQUAL(404, d.admin("/nothing"));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));
    }

    void testPrometheusParserIsStrict()
    {
        CPPUNIT_ASSERT_NO_THROW(parsePrometheusText("# TYPE a counter\na{x=\"1\"} 2\n"));
        CPPUNIT_ASSERT_THROW(parsePrometheusText("a{x=\"1\"} 2\na{x=\"1\"} 3\n"), std::runtime_error);
        CPPUNIT_ASSERT_THROW(parsePrometheusText("a{x=1} 2\n"), std::runtime_error);
        CPPUNIT_ASSERT_THROW(parsePrometheusText("a 2\nb 1\na{y=\"2\"} 1\n"), std::runtime_error);
        CPPUNIT_ASSERT_THROW(parsePrometheusText("a 2"), std::runtime_error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AdminEndpointsTest);
