// How an answer settles each event of a batch, without a network: statuses, both 500 shapes,
// matching by meta.id, events without an id, duplicates.
#include "DeliveryOutcome.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::DeliveryOutcome;
using eventbus::SendResponse;
using eventbus::StoredEvent;
using Verdict = eventbus::DeliveryOutcome::Verdict;

class DeliveryOutcomeTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DeliveryOutcomeTest);
    CPPUNIT_TEST(testSuccessStatuses);
    CPPUNIT_TEST(testRetriedStatuses);
    CPPUNIT_TEST(testMultiStatusMatchesById);
    CPPUNIT_TEST(testMultiStatusWithUnmatchedEntry);
    CPPUNIT_TEST(testMultiStatusWithUnreadableBody);
    CPPUNIT_TEST(testDuplicateIds);
    CPPUNIT_TEST(testBadRequest);
    CPPUNIT_TEST(testServerErrorShapes);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSuccessStatuses()
    {
        for (int status : {200, 201, 202, 204}) {
            DeliveryOutcome outcome(response(status, ""), batch({"a", "b"}));
            CPPUNIT_ASSERT_EQUAL(size_t(2), outcome.count(Verdict::Delivered));
        }
    }

    void testRetriedStatuses()
    {
        for (int status : {0, 301, 401, 404, 408, 413, 429, 502, 503, 504}) {
            DeliveryOutcome outcome(response(status, R"({"invalid":[{"event":{"meta":{"id":"a"}}}]})"), batch({"a", "b"}));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(status), size_t(2), outcome.count(Verdict::Retry));
        }
        SendResponse timeout;
        timeout.failure = SendResponse::Failure::Timeout;
        timeout.reason = "timeout: Timeout";
        DeliveryOutcome outcome(timeout, batch({"a"}));
        CPPUNIT_ASSERT(outcome.verdict(0) == Verdict::Retry);
        CPPUNIT_ASSERT_EQUAL(std::string("timeout: Timeout"), outcome.summary());
    }

    void testMultiStatusMatchesById()
    {
        DeliveryOutcome outcome(response(207, body({{"invalid", "b", "'.meta' should have required property 'dt'"}},
                                                  {{"error", "c", "Failed loading schema"}})),
            batch({"a", "b", "c", "d"}));
        CPPUNIT_ASSERT(outcome.verdict(0) == Verdict::Delivered);
        CPPUNIT_ASSERT(outcome.verdict(1) == Verdict::DeadLetter);
        CPPUNIT_ASSERT_EQUAL(std::string("'.meta' should have required property 'dt'"), outcome.reason(1));
        CPPUNIT_ASSERT_EQUAL(std::string("invalid"), outcome.category(1));
        CPPUNIT_ASSERT(outcome.verdict(2) == Verdict::Retry);
        CPPUNIT_ASSERT(outcome.blamed(2));
        CPPUNIT_ASSERT_EQUAL(std::string("Failed loading schema"), outcome.reason(2));
        CPPUNIT_ASSERT(outcome.verdict(3) == Verdict::Delivered);
        CPPUNIT_ASSERT_EQUAL(size_t(2), outcome.listedFailures().size());
        CPPUNIT_ASSERT_EQUAL(std::string("invalid"), outcome.listedFailures()[0].kind);
        CPPUNIT_ASSERT_EQUAL(std::string("s"), outcome.listedFailures()[0].stream);
        CPPUNIT_ASSERT_EQUAL(std::string("207: reason"), outcome.summary());
    }

    void testMultiStatusWithUnmatchedEntry()
    {
        // An entry naming no event of the batch: events we cannot match (no id) are resent.
        DeliveryOutcome outcome(response(207, body({}, {{"error", "zzz", "x"}})), batch({"a", "", "c"}));
        CPPUNIT_ASSERT(outcome.verdict(0) == Verdict::Delivered);
        CPPUNIT_ASSERT(outcome.verdict(1) == Verdict::Retry);
        CPPUNIT_ASSERT(!outcome.blamed(1));
        CPPUNIT_ASSERT(outcome.verdict(2) == Verdict::Delivered);
        CPPUNIT_ASSERT_EQUAL(size_t(1), outcome.listedFailures().size());
    }

    void testMultiStatusWithUnreadableBody()
    {
        DeliveryOutcome outcome(response(207, "not json"), batch({"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(size_t(2), outcome.count(Verdict::Retry));
        CPPUNIT_ASSERT(outcome.listedFailures().empty());
        std::string deep = R"({"invalid":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
        DeliveryOutcome nested(response(207, deep), batch({"a"}));
        CPPUNIT_ASSERT(nested.verdict(0) == Verdict::Delivered); // lists nothing it could match
    }

    void testDuplicateIds()
    {
        DeliveryOutcome outcome(response(207, body({{"invalid", "a", "bad"}}, {})), batch({"a", "a"}));
        CPPUNIT_ASSERT(outcome.verdict(0) == Verdict::DeadLetter);
        CPPUNIT_ASSERT(outcome.verdict(1) == Verdict::Delivered);
    }

    void testBadRequest()
    {
        DeliveryOutcome listed(response(400, R"({"invalid":[{"status":"invalid","event":{"meta":{"id":"a","stream":"s"}},)"
                                             R"("context":{"errors":[],"errorsText":"'.tags' should be array"}}]})"),
            batch({"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(size_t(2), listed.count(Verdict::DeadLetter));
        CPPUNIT_ASSERT_EQUAL(std::string("'.tags' should be array"), listed.reason(0));
        CPPUNIT_ASSERT_EQUAL(std::string("400: reason"), listed.reason(1));
        CPPUNIT_ASSERT_EQUAL(std::string("rejected"), listed.category(1));

        DeliveryOutcome empty(response(400, ""), batch({"a"}));
        CPPUNIT_ASSERT(empty.verdict(0) == Verdict::DeadLetter);
        CPPUNIT_ASSERT_EQUAL(std::string("400: reason"), empty.reason(0));
        CPPUNIT_ASSERT(empty.listedFailures().empty());
    }

    void testServerErrorShapes()
    {
        DeliveryOutcome perEvent(response(500, body({{"invalid", "a", "bad"}}, {{"error", "b", "kafka down"}})),
            batch({"a", "b", "c"}));
        CPPUNIT_ASSERT(perEvent.verdict(0) == Verdict::DeadLetter);
        CPPUNIT_ASSERT(perEvent.verdict(1) == Verdict::Retry);
        CPPUNIT_ASSERT(!perEvent.blamed(1)); // nothing was accepted: maybe the service, not the event
        CPPUNIT_ASSERT(perEvent.verdict(2) == Verdict::Retry);

        DeliveryOutcome problem(response(500, R"({"status":500,"type":"internal_error","title":"PayloadTooLargeError",)"
                                              R"("detail":"request entity too large","method":"POST","uri":"/v1/events"})"),
            batch({"a", "b"}));
        CPPUNIT_ASSERT_EQUAL(size_t(2), problem.count(Verdict::Retry));
        CPPUNIT_ASSERT(problem.listedFailures().empty());
    }

private:
    struct Entry {
        std::string kind;
        std::string id;
        std::string text;
    };

    static SendResponse response(int status, const std::string& body)
    {
        SendResponse r;
        r.status = status;
        r.reason = "reason";
        r.body = body;
        return r;
    }

    static std::vector<StoredEvent> batch(const std::vector<std::string>& ids)
    {
        std::vector<StoredEvent> events;
        uint64_t seq = 0;
        for (const std::string& id : ids) {
            StoredEvent e;
            e.seq = ++seq;
            e.event.id = id;
            e.event.stream = "s";
            e.event.json = R"({"meta":{"id":")" + id + R"(","stream":"s"}})";
            events.push_back(e);
        }
        return events;
    }

    static std::string entries(const std::vector<Entry>& list)
    {
        std::string out = "[";
        for (size_t i = 0; i < list.size(); ++i) {
            const Entry& e = list[i];
            std::string context = e.kind == "invalid" ? R"({"errors":[],"errorsText":")" + e.text + "\"}"
                                                      : R"({"message":")" + e.text + "\"}";
            out += (i ? "," : "") + std::string(R"({"status":")") + e.kind + R"(","event":{"meta":{"id":")" + e.id
                + R"(","stream":"s"}},"context":)" + context + "}";
        }
        return out + "]";
    }

    static std::string body(const std::vector<Entry>& invalid, const std::vector<Entry>& error)
    {
        return R"({"invalid":)" + entries(invalid) + R"(,"error":)" + entries(error) + "}";
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DeliveryOutcomeTest);
