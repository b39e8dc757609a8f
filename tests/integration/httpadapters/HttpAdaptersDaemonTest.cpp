// The HTTP adapters end to end: eventbusd as a child process with the jobqueue, eventgate-relay
// and campaign-change plugins and the job runner endpoint, delivering to a FakeEventGate.
#include "DaemonProcess.h"
#include "FakeEventGate.h"
#include "TestEnv.h"

#include <rapidjson/document.h>

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>

using namespace eventbus;

namespace {

const std::string kSecret = "integration-secret";

struct Daemon {
    test::FakeEventGate gate;
    test::ScratchDir dir{"eventbus-httpadapters"};
    uint16_t httpPort = 0;
    uint16_t adminPort = 0;
    std::string configFile;
    std::unique_ptr<test::DaemonProcess> process;

    Daemon() {
        // The gate first: a port picked while it is not listening could become the gate's.
        gate.start();
        httpPort = test::freeTcpPort();
        adminPort = test::freeTcpPort();
        const std::string command = dir.file("run-job.sh");
        test::writeFile(command, "#!/bin/sh\ncat > \"$(dirname \"$0\")/stdin\"\necho ran >> \"$(dirname \"$0\")/runs\"\n");
        test::runCommand("chmod +x " + command);
        const std::string config = dir.file("eventbusd.properties");
        test::writeFile(config, "eventbusd.plugin_dir = " + test::buildDir() + "/plugins\n"
                                "eventbusd.state_dir = " + dir.path() + "\n"
                                "eventbusd.enable = TYPE_ALL\n"
                                "spool.mode = durable\n"
                                "spool.fsync = always\n"
                                "service.eventgate.url = " + gate.url() + "\n"
                                "service.eventgate.linger_ms = 5\n"
                                "service.eventgate.timeout = 2\n"
                                "service.eventgate.backoff_base_ms = 20\n"
                                "service.eventgate.backoff_max_ms = 200\n"
                                "eventbusd.default_service = eventgate\n"
                                "ingress.http.listen = 127.0.0.1:" + std::to_string(httpPort) + "\n"
                                "admin.listen = 127.0.0.1:" + std::to_string(adminPort) + "\n"
                                "jobrunner.enabled = true\n"
                                "jobrunner.secret = " + kSecret + "\n"
                                "jobrunner.command = " + command + "\n"
                                "jobrunner.timeout = 10\n"
                                "plugin.jobqueue.enabled = true\n"
                                "plugin.jobqueue.secret = " + kSecret + "\n"
                                "plugin.jobqueue.server_name = en.wikipedia.org\n"
                                "plugin.eventgate-relay.enabled = true\n"
                                "plugin.campaign-change.enabled = true\n"
                                "plugin.campaign-change.database = metawiki\n"
                                "plugin.campaign-change.server_name = meta.wikimedia.org\n"
                                "plugin.campaign-change.campaign_url = "
                                "https://meta.wikimedia.org/w/index.php?title=Special:CentralNotice&notice=$1\n");
        configFile = config;
        restart();
    }

    void restart() {
        process = std::make_unique<test::DaemonProcess>(configFile);
        CPPUNIT_ASSERT_MESSAGE(process->log(), process->waitForLog("started with 3 plugin", std::chrono::seconds(10)));
    }

    int post(const std::string& uri, const std::string& body, std::string* answer = nullptr,
             std::vector<std::pair<std::string, std::string>>* headers = nullptr) {
        return test::httpRequest(httpPort, "POST", uri, body, answer, "application/json", headers);
    }

    bool waitForEvents(size_t n) {
        return gate.waitForEvents(n, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    }

    /// Every byte EventGate received, request bodies joined.
    std::string receivedBytes() const {
        std::string all;
        for (const auto& r : gate.requests()) all += r.body + "\n";
        return all;
    }
};

std::string firstEventOfBody(const std::string& body) {
    // The batch holds exactly one event in these tests: "[" + event + "]".
    CPPUNIT_ASSERT_MESSAGE(body, body.size() > 2 && body.front() == '[' && body.back() == ']');
    return body.substr(1, body.size() - 2);
}

} // namespace

class HttpAdaptersDaemonTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HttpAdaptersDaemonTest);
    CPPUNIT_TEST(testRelayDeliversByteIdenticalEvents);
    CPPUNIT_TEST(testRelayAcknowledgedEventsSurviveEventGateDowntime);
    CPPUNIT_TEST(testRelayAcknowledgedEventsSurviveKill9);
    CPPUNIT_TEST(testJobFromQueueRunsThroughTheJobRunner);
    CPPUNIT_TEST(testCampaignChange);
    CPPUNIT_TEST_SUITE_END();

public:
    void testRelayDeliversByteIdenticalEvents() {
        Daemon d;
        const std::string complete =
            "{ \"$schema\" : \"/test/event/1.0.0\", \"meta\":{\"stream\":\"test.relay\",\"id\":\"r-1\","
            "\"dt\":\"2024-07-01T12:00:00Z\"},\"n\":1.50,\"s\":\"\\u00e9\\/x\"}";
        const std::string noDt = R"({"meta":{"stream":"test.relay","id":"r-2"},"v":"b"})";
        const std::string noIdNoDt = R"({"meta":{"stream":"test.relay"},"v":"c"})";
        std::string answer = "unset";
        std::vector<std::pair<std::string, std::string>> headers;
        CPPUNIT_ASSERT_EQUAL(201, d.post("/v1/events", "[" + complete + ",\n" + noDt + "," + noIdNoDt + "]", &answer,
                                         &headers));
        CPPUNIT_ASSERT_EQUAL(std::string(), answer);
        for (const auto& h : headers) CPPUNIT_ASSERT_MESSAGE(h.first, h.first != "Content-Type" && h.first != "content-type");
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.waitForEvents(3));

        const std::string received = d.receivedBytes();
        CPPUNIT_ASSERT_MESSAGE(received, received.find(complete) != std::string::npos);
        const std::string noDtPrefix = R"({"meta":{"stream":"test.relay","id":"r-2","dt":")";
        const auto at = received.find(noDtPrefix);
        CPPUNIT_ASSERT_MESSAGE(received, at != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string(R"("},"v":"b"})"), received.substr(at + noDtPrefix.size() + 20, 11));
        CPPUNIT_ASSERT(received.find(R"({"meta":{"stream":"test.relay","id":")") != std::string::npos);

        CPPUNIT_ASSERT_EQUAL(202, d.post("/v1/events?hasty=true", noDt, &answer));
        CPPUNIT_ASSERT_EQUAL(std::string(), answer);
        CPPUNIT_ASSERT(d.waitForEvents(4));

        CPPUNIT_ASSERT_EQUAL(400, d.post("/v1/events", R"([{"meta":{"stream":"s"}},42])", &answer));
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("event 1 is not a JSON object") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(size_t(4), d.gate.events().size());
    }

    void testRelayAcknowledgedEventsSurviveEventGateDowntime() {
        Daemon d;
        d.gate.stop();
        const std::string event = R"({"meta":{"stream":"test.relay","id":"down-1","dt":"2024-07-01T12:00:00Z"},"x":[]})";
        CPPUNIT_ASSERT_EQUAL(201, d.post("/v1/events", event));
        d.gate.start();
        // A request caught by the restart is only retried after the service timeout (2 s).
        const bool arrived = d.gate.waitForEvents(1, std::chrono::steady_clock::now() + std::chrono::seconds(20));
        std::string metrics;
        if (!arrived) test::httpRequest(d.adminPort, "GET", "/metrics", "", &metrics);
        CPPUNIT_ASSERT_MESSAGE(d.process->log() + " requests: " + std::to_string(d.gate.requests().size()) + " port " + std::to_string(d.gate.port()) + "\n" + metrics, arrived);
        CPPUNIT_ASSERT(d.receivedBytes().find(event) != std::string::npos);
    }

    void testRelayAcknowledgedEventsSurviveKill9() {
        Daemon d;
        d.gate.stop();
        std::string batch = "[";
        std::vector<std::string> events;
        for (int i = 0; i < 5; ++i) {
            events.push_back(R"({"meta":{"stream":"test.relay","id":"k-)" + std::to_string(i) +
                             R"(","dt":"2024-07-01T12:00:00Z"}, "i" : )" + std::to_string(i) + "}");
            batch += (i ? "," : "") + events.back();
        }
        CPPUNIT_ASSERT_EQUAL(201, d.post("/v1/events", batch + "]"));
        d.process->kill9();
        d.gate.start();
        d.restart();
        CPPUNIT_ASSERT_MESSAGE(d.process->log(),
                               d.gate.waitForEvents(5, std::chrono::steady_clock::now() + std::chrono::seconds(20)));
        const std::string received = d.receivedBytes();
        for (const auto& e : events) CPPUNIT_ASSERT_MESSAGE(received, received.find(e) != std::string::npos);
    }

    void testJobFromQueueRunsThroughTheJobRunner() {
        Daemon d;
        std::string answer;
        CPPUNIT_ASSERT_EQUAL(201, d.post("/eventbus/v0/jobs",
                                         R"({"type":"deletePage","database":"enwiki","removeDuplicates":true,)"
                                         R"("params":{"namespace":0,"title":"Main_Page","requestId":"fc3a8587259ca5fc085ca830"}})",
                                         &answer));
        rapidjson::Document ids;
        ids.Parse(answer.c_str());
        CPPUNIT_ASSERT_MESSAGE(answer, ids.IsObject() && ids.HasMember("ids") && ids["ids"].Size() == 1);
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.waitForEvents(1));
        const auto requests = d.gate.requests();
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.job.deletePage"), requests.at(0).streams.at(0));
        // What a consumer (change-prop) would post back: the event as EventGate got it, meta.dt included.
        const std::string job = firstEventOfBody(requests.at(0).body);
        CPPUNIT_ASSERT(job.find("\"dt\":\"") != std::string::npos);
        CPPUNIT_ASSERT(job.find(ids["ids"][0].GetString()) != std::string::npos);

        const std::string tampered = job.substr(0, job.find("Main_Page")) + "Other_Page" +
                                     job.substr(job.find("Main_Page") + 9);
        CPPUNIT_ASSERT_EQUAL(403, d.post("/eventbus/v0/internal/job/execute", tampered, &answer));
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("Invalid mediawiki signature") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string(), test::readFile(d.dir.file("runs")));

        CPPUNIT_ASSERT_EQUAL(200, d.post("/eventbus/v0/internal/job/execute", job, &answer));
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find(R"({"status":true,"error":null,"caught":[],"timeMs":)") == 0);
        CPPUNIT_ASSERT_EQUAL(std::string("ran\n"), test::readFile(d.dir.file("runs")));
        CPPUNIT_ASSERT_EQUAL(job, test::readFile(d.dir.file("stdin")));

        CPPUNIT_ASSERT_EQUAL(400, d.post("/eventbus/v0/jobs", R"([{"type":"a","database":"enwiki"},{"database":"x"}])",
                                         &answer));
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("job 1: 'type' must be a non-empty string") != std::string::npos);
    }

    void testCampaignChange() {
        Daemon d;
        std::string answer;
        const std::string hook =
            R"({"action":"removed","time":"20240703093000","campaignName":"Old campaign",)"
            R"("user":{"user_text":"CampaignAdmin","user_groups":["*","user"],"user_is_bot":false},)"
            R"("beginSettings":null,"endSettings":null,"summary":""})";
        CPPUNIT_ASSERT_EQUAL(201, d.post("/eventbus/v0/campaign-change", hook, &answer));
        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.waitForEvents(1));
        const std::string event = firstEventOfBody(d.gate.requests().at(0).body);
        CPPUNIT_ASSERT_EQUAL(std::string("mediawiki.centralnotice.campaign-delete"), d.gate.requests().at(0).streams.at(0));
        CPPUNIT_ASSERT(event.find("notice=Old+campaign") != std::string::npos);
        if (test::haveShared()) {
            test::writeFile(d.dir.file("campaign.jsonl"), event + "\n");
            std::string out;
            CPPUNIT_ASSERT_EQUAL_MESSAGE(event, 0,
                                         test::runCommand(test::sharedDir() + "/tools/validate-events " +
                                                              d.dir.file("campaign.jsonl"),
                                                          &out));
        }
        CPPUNIT_ASSERT_EQUAL(400, d.post("/eventbus/v0/campaign-change", R"({"action":"renamed"})", &answer));
        CPPUNIT_ASSERT_MESSAGE(answer, answer.find("Bad CentralNotice change type: renamed") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpAdaptersDaemonTest);
