// The HTTP ingress limits against hostile clients (issue 12): each answered with its status,
// counted, and the daemon serving afterwards. Small limits keep the attacks cheap.
#include "HardeningDaemon.h"

#include <Poco/Net/StreamSocket.h>

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <string>
#include <vector>

using namespace eventbus::test;

namespace {

const char* const kLimits = "ingress.http.max_body_bytes = 1024\n"
                            "ingress.http.max_headers = 20\n"
                            "ingress.http.timeout = 1\n"
                            "ingress.http.max_connections = 2\n"
                            "ingress.http.threads = 2\n";

std::vector<std::string> rejected(const std::string& reason)
{
    return {"plugin=\"test-echo\"", "reason=\"" + reason + "\""};
}

std::string requestWithHeaders(int headers, const std::string& body)
{
    std::string r = "POST /test/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: " + std::to_string(body.size()) + "\r\n";
    for (int i = 0; i < headers; ++i) r += "X-Filler-" + std::to_string(i) + ": v\r\n";
    return r + "\r\n" + body;
}

std::string exchange(HardeningDaemon& d, const std::string& request)
{
    auto socket = d.connect();
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    bool closed = false;
    return readUntilClosed(socket, std::chrono::seconds(5), closed);
}

} // namespace

class HttpLimitsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpLimitsTest);
    CPPUNIT_TEST(testOversizedBodies);
    CPPUNIT_TEST(testTooManyHeaders);
    CPPUNIT_TEST(testNonJsonContentTypes);
    CPPUNIT_TEST(testStalledClientsAreCut);
    CPPUNIT_TEST(testConnectionFloodIsCappedAndCounted);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOversizedBodies()
    {
        HardeningDaemon d(kLimits);
        d.start();
        CPPUNIT_ASSERT_EQUAL(413, httpRequest(d.httpPort, "POST", "/test/events", std::string(2000, ' ') + echoEvent("big")));
        CPPUNIT_ASSERT(d.waitForMetric("eventbus_ingress_rejected_total", rejected("body_too_large"), 1));

        // Chunked: no Content-Length to refuse up front, so the limit applies while reading.
        const std::string chunk(800, ' ');
        const std::string chunked = "POST /test/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\n320\r\n" + chunk + "\r\n320\r\n" + chunk +
                                    "\r\n0\r\n\r\n";
        const std::string answer = exchange(d, chunked);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, 413, statusOf(answer));
        CPPUNIT_ASSERT(d.waitForMetric("eventbus_ingress_rejected_total", rejected("body_too_large"), 2));
        CPPUNIT_ASSERT(d.serves("after-big"));
    }

    void testTooManyHeaders()
    {
        HardeningDaemon d(kLimits);
        d.start();
        std::string answer = exchange(d, requestWithHeaders(10, echoEvent("few-headers")));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, 201, statusOf(answer));
        answer = exchange(d, requestWithHeaders(30, echoEvent("many-headers")));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, 431, statusOf(answer));
        CPPUNIT_ASSERT(d.waitForMetric("eventbus_ingress_rejected_total", rejected("too_many_headers"), 1));
        // Above 100 fields Poco's parser refuses the request itself, before any handler runs.
        answer = exchange(d, requestWithHeaders(150, echoEvent("flood-headers")));
        CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, 400, statusOf(answer));
        CPPUNIT_ASSERT(d.serves("after-headers"));
    }

    void testNonJsonContentTypes()
    {
        HardeningDaemon d(kLimits);
        d.start();
        CPPUNIT_ASSERT_EQUAL(415, httpRequest(d.httpPort, "POST", "/test/events", "<event/>", nullptr, "application/xml"));
        CPPUNIT_ASSERT_EQUAL(415, httpRequest(d.httpPort, "POST", "/test/events", echoEvent("form"), nullptr,
                                              "application/x-www-form-urlencoded"));
        CPPUNIT_ASSERT(d.waitForMetric("eventbus_ingress_rejected_total", rejected("unsupported_content_type"), 2));
        CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/test/events", echoEvent("json-charset"), nullptr,
                                              "application/json; charset=utf-8"));
        CPPUNIT_ASSERT(d.serves("after-types"));
    }

    void testStalledClientsAreCut()
    {
        HardeningDaemon d(kLimits);
        d.start();
        // Half a request head, then silence: cut once the 1 s read timeout passes.
        auto socket = d.connect();
        const std::string head = "POST /test/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le";
        socket.sendBytes(head.data(), static_cast<int>(head.size()));
        const auto start = std::chrono::steady_clock::now();
        bool closed = false;
        readUntilClosed(socket, std::chrono::seconds(8), closed);
        const auto waited = std::chrono::steady_clock::now() - start;
        CPPUNIT_ASSERT_MESSAGE("a stalled request head must be cut", closed);
        CPPUNIT_ASSERT(waited >= std::chrono::milliseconds(700));
        CPPUNIT_ASSERT(waited < std::chrono::seconds(6));

        // A whole head but a body cut short: 408, counted, and nothing reaches the plugin.
        auto partial = d.connect();
        const std::string request = "POST /test/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 100\r\n\r\n{\"meta\":{";
        partial.sendBytes(request.data(), static_cast<int>(request.size()));
        const std::string answer = readUntilClosed(partial, std::chrono::seconds(8), closed);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(answer, 408, statusOf(answer));
        CPPUNIT_ASSERT(closed);
        CPPUNIT_ASSERT(d.waitForMetric("eventbus_ingress_rejected_total", rejected("client_timeout"), 1));
        CPPUNIT_ASSERT_EQUAL(0.0, d.metric("eventbus_ingress_rejected_total", rejected("malformed_json")));
        CPPUNIT_ASSERT(d.serves("after-stall"));
    }

    void testConnectionFloodIsCappedAndCounted()
    {
        HardeningDaemon d(kLimits);
        d.start();
        const std::string address = "address=\"127.0.0.1:" + std::to_string(d.httpPort) + "\"";
        // Two threads busy with silent clients and two more waiting is the cap; the rest are refused.
        std::vector<Poco::Net::StreamSocket> flood;
        for (int i = 0; i < 16; ++i) flood.push_back(d.connect());
        CPPUNIT_ASSERT(d.waitForMetric("eventbus_http_refused_connections_total", {address}, 1));
        const double refused = d.metric("eventbus_http_refused_connections_total", {address});
        CPPUNIT_ASSERT_MESSAGE(std::to_string(refused), refused <= 14);
        for (auto& s : flood) s.close();
        CPPUNIT_ASSERT(d.serves("after-flood"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpLimitsTest);
