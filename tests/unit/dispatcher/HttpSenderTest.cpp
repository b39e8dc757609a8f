// HttpSender against the fake EventGate: the request EventGate expects, credentials from the url
// sent as basic authentication (and never in metric labels), hasty mode in the query.
#include "DispatchFixture.h"
#include "FakeEventGate.h"
#include "HttpSender.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace eventbus;
using namespace eventbus::test;

class HttpSenderTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpSenderTest);
    CPPUNIT_TEST(testRequestShapeAndBasicAuthentication);
    CPPUNIT_TEST(testHastyQuery);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRequestShapeAndBasicAuthentication()
    {
        FakeEventGate gate;
        gate.start();
        ServiceSettings s = DispatchFixture::service("gate", "http://user:pa55@127.0.0.1:" +
                                                             std::to_string(gate.port()) + "/v1/events");
        CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:" + std::to_string(gate.port()) + "/v1/events"),
                             s.displayUrl());
        HttpSender sender(s);
        std::string body = "[" + DispatchFixture::event("a-1").json + "]";
        SendResponse r = sender.send({}, body, "");
        CPPUNIT_ASSERT_EQUAL(201, r.status);
        auto requests = gate.requests();
        CPPUNIT_ASSERT_EQUAL(size_t(1), requests.size());
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), requests[0].method);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/events"), requests[0].uri);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), requests[0].header("content-type"));
        CPPUNIT_ASSERT_EQUAL(std::string("Basic dXNlcjpwYTU1"), requests[0].header("authorization"));
        CPPUNIT_ASSERT_EQUAL(std::string(), requests[0].header("accept-encoding"));
        CPPUNIT_ASSERT_EQUAL(body, requests[0].body);
    }

    void testHastyQuery()
    {
        FakeEventGate gate;
        gate.start();
        ServiceSettings s = DispatchFixture::service("gate", gate.url());
        s.hasty = true;
        HttpSender sender(s);
        sender.send({}, "[" + DispatchFixture::event("h-1").json + "]", "");
        auto requests = gate.requests();
        CPPUNIT_ASSERT_EQUAL(size_t(1), requests.size());
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/events?hasty=true"), requests[0].uri);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpSenderTest);
