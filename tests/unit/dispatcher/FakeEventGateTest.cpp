// The test double must answer like EventGate (eventgate-contract.md), byte for byte where the
// dispatcher depends on it: status, reason phrase, body shape, headers, keep-alive.
#include "FakeEventGate.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <cppunit/extensions/HelperMacros.h>

#include <thread>

using eventbus::test::FakeEventGate;

namespace {

struct Answer {
    Poco::Net::HTTPResponse response;
    std::string body;
};

const std::string VALID = R"({"$schema":"/resource_change/1.0.0","meta":{"stream":"resource_change","id":"v","dt":"2024-05-01T12:00:00Z"}})";
const std::string INVALID = R"({"$schema":"/resource_change/1.0.0","meta":{"stream":"resource_change","id":"i"},"tags":"not-an-array"})";
const std::string ERROR = R"({"$schema":"/resource_change/9.9.9","meta":{"stream":"resource_change","id":"e","dt":"2024-05-01T12:00:00Z"}})";

FakeEventGate::Judgement byId(const FakeEventGate::Request& request, size_t i)
{
    if (request.ids[i] == "i")
        return {FakeEventGate::Kind::Invalid, "'.meta' should have required property 'dt', '.tags' should be array"};
    if (request.ids[i] == "e")
        return {FakeEventGate::Kind::Error, "Failed loading schema at /resource_change/9.9.9"};
    return {FakeEventGate::Kind::Success, ""};
}

} // namespace

class FakeEventGateTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(FakeEventGateTest);
    CPPUNIT_TEST(testCreatedHasAnEmptyChunkedBodyAndNoContentType);
    CPPUNIT_TEST(testMultiStatus);
    CPPUNIT_TEST(testBadRequestHasNoErrorKey);
    CPPUNIT_TEST(testServerErrorShapes);
    CPPUNIT_TEST(testRecordsRequests);
    CPPUNIT_TEST(testClosesIdleConnections);
    CPPUNIT_TEST(testStopRefusesConnections);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        _gate.start();
        _gate.setDefault(FakeEventGate::judged(byId));
    }

    void testCreatedHasAnEmptyChunkedBodyAndNoContentType()
    {
        Answer answer = post("[" + VALID + "]");
        CPPUNIT_ASSERT_EQUAL(201, static_cast<int>(answer.response.getStatus()));
        CPPUNIT_ASSERT_EQUAL(std::string("All 1 out of 1 events were accepted."), answer.response.getReason());
        CPPUNIT_ASSERT(answer.response.getChunkedTransferEncoding());
        CPPUNIT_ASSERT(!answer.response.has("Content-Type"));
        CPPUNIT_ASSERT_EQUAL(std::string("timeout=5"), answer.response.get("Keep-Alive"));
        CPPUNIT_ASSERT_EQUAL(std::string(), answer.body);
    }

    void testMultiStatus()
    {
        Answer answer = post("[" + VALID + "," + INVALID + "," + ERROR + "]");
        CPPUNIT_ASSERT_EQUAL(207, static_cast<int>(answer.response.getStatus()));
        CPPUNIT_ASSERT_EQUAL(std::string("1 out of 3 events were accepted, but 2 failed (1 invalid and 1 errored)."),
            answer.response.getReason());
        CPPUNIT_ASSERT(answer.body.find(R"({"invalid":[{"status":"invalid","event":)" + INVALID + R"(,"context":{"errors":[)") == 0);
        CPPUNIT_ASSERT(answer.body.find(R"("errorsText":"'.meta' should have required property 'dt', '.tags' should be array"}}],)"
                                        R"("error":[{"status":"error","event":)" + ERROR
                           + R"(,"context":{"message":"Failed loading schema at /resource_change/9.9.9"}}]})")
            != std::string::npos);
        CPPUNIT_ASSERT(std::vector<std::string>{VALID} == _gate.events());
    }

    void testBadRequestHasNoErrorKey()
    {
        Answer answer = post("[" + INVALID + "]");
        CPPUNIT_ASSERT_EQUAL(400, static_cast<int>(answer.response.getStatus()));
        CPPUNIT_ASSERT_EQUAL(std::string("1 out of 1 events were invalid and not accepted."), answer.response.getReason());
        CPPUNIT_ASSERT(answer.body.find(R"({"invalid":[)") == 0);
        CPPUNIT_ASSERT(answer.body.find(R"("error")") == std::string::npos);
    }

    void testServerErrorShapes()
    {
        Answer answer = post("[" + INVALID + "," + ERROR + "]");
        CPPUNIT_ASSERT_EQUAL(500, static_cast<int>(answer.response.getStatus()));
        CPPUNIT_ASSERT_EQUAL(std::string("2 out of 2 events had failures and were not accepted. (1 invalid and 1 errored)."),
            answer.response.getReason());
        CPPUNIT_ASSERT(answer.body.find(R"("error":[{"status":"error")") != std::string::npos);

        _gate.script({FakeEventGate::problem()});
        answer = post("[" + VALID + "]");
        CPPUNIT_ASSERT_EQUAL(500, static_cast<int>(answer.response.getStatus()));
        CPPUNIT_ASSERT_EQUAL(std::string("Internal Server Error"), answer.response.getReason());
        CPPUNIT_ASSERT(answer.body.find(R"({"status":500,"type":"internal_error","title":"SyntaxError")") == 0);
        CPPUNIT_ASSERT(_gate.events().empty());
    }

    void testRecordsRequests()
    {
        _gate.script({FakeEventGate::hasty()});
        post(VALID, "/v1/events?hasty=true"); // a single object counts as [object]
        std::vector<FakeEventGate::Request> requests = _gate.requests();
        CPPUNIT_ASSERT_EQUAL(size_t(1), requests.size());
        CPPUNIT_ASSERT_EQUAL(202, requests[0].status);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/events?hasty=true"), requests[0].uri);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), requests[0].header("Content-Type"));
        CPPUNIT_ASSERT(std::vector<std::string>{"v"} == requests[0].ids);
        CPPUNIT_ASSERT(std::vector<std::string>{"resource_change"} == requests[0].streams);
        CPPUNIT_ASSERT(_gate.waitForEvents(1, std::chrono::steady_clock::now()));
    }

    void testClosesIdleConnections()
    {
        FakeEventGate::Options options;
        options.idleTimeout = std::chrono::milliseconds(500);
        FakeEventGate quick(options);
        quick.start();
        Poco::Net::HTTPClientSession session("127.0.0.1", quick.port());
        post(session, "[" + VALID + "]", "/v1/events");
        post(session, "[" + VALID + "]", "/v1/events");
        CPPUNIT_ASSERT_EQUAL(1, quick.acceptedConnections()); // kept alive between the two
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (quick.openConnections() > 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        CPPUNIT_ASSERT_EQUAL(0, quick.openConnections());
    }

    void testStopRefusesConnections()
    {
        unsigned short port = _gate.port();
        _gate.stop();
        CPPUNIT_ASSERT_THROW(post("[" + VALID + "]"), Poco::Exception);
        _gate.start();
        CPPUNIT_ASSERT_EQUAL(port, _gate.port());
        CPPUNIT_ASSERT_EQUAL(201, static_cast<int>(post("[" + VALID + "]").response.getStatus()));
    }

private:
    FakeEventGate _gate;

    Answer post(const std::string& body, const std::string& uri = "/v1/events")
    {
        Poco::Net::HTTPClientSession session("127.0.0.1", _gate.port());
        return post(session, body, uri);
    }

    static Answer post(Poco::Net::HTTPClientSession& session, const std::string& body, const std::string& uri)
    {
        session.setTimeout(Poco::Timespan(5, 0));
        session.setKeepAlive(true);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        request.setKeepAlive(true);
        session.sendRequest(request) << body;
        Answer answer;
        Poco::StreamCopier::copyToString(session.receiveResponse(answer.response), answer.body);
        return answer;
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FakeEventGateTest);
