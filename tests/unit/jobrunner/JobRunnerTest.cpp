#include "CommandJobExecutor.h"
#include "JobRunner.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA1Engine.h>

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace eventbus;

namespace {

// The spec's worked example (eventbus-behaviour.md 6.4): these bytes signed with "secret".
const std::string kSigned =
    R"({"$schema":"/mediawiki/job/1.0.0","meta":{"uri":"https://placeholder.invalid/wiki/Special:Badtitle",)"
    R"("request_id":"fc3a8587259ca5fc085ca830","id":"b14a2ee4-f5df-40f3-b995-ce6c954e29e3",)"
    R"("domain":"en.wikipedia.org","stream":"mediawiki.job.deletePage"},"database":"enwiki",)"
    R"("type":"deletePage","sha1":"4bcf3f232a59099efbce29285ca03b69e94b93c7",)"
    R"("params":{"namespace":0,"title":"Main_Page","requestId":"fc3a8587259ca5fc085ca830"}})";
const std::string kSignature = "93445372feb827956dfdc609c1188c61281a7182";

std::string withSignature(const std::string& event, const std::string& signature) {
    return event.substr(0, event.size() - 1) + ",\"mediawiki_signature\":\"" + signature + "\"}";
}

std::string sign(const std::string& event, const std::string& secret) {
    Poco::HMACEngine<Poco::SHA1Engine> engine{secret};
    engine.update(event);
    return withSignature(event, Poco::DigestEngine::digestToHex(engine.digest()));
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    CPPUNIT_ASSERT_MESSAGE(from, at != std::string::npos);
    return s.replace(at, from.size(), to);
}

struct FakeExecutor {
    std::atomic<int> calls{0};
    std::string lastJson;
    int status = 200;
    std::string body = R"({"status":true,"error":null,"caught":[],"timeMs":1})";
    bool reply = true;
    int rc = EB_OK;

    static int execute(void* user, const char* json, size_t len, const eb_job_reply* reply) {
        auto* self = static_cast<FakeExecutor*>(user);
        ++self->calls;
        self->lastJson.assign(json, len);
        if (self->reply) reply->reply(reply->ctx, self->status, self->body.data(), self->body.size());
        return self->rc;
    }
};

JobRunnerSettings enabledSettings() {
    JobRunnerSettings s;
    s.enabled = true;
    s.secret = "secret";
    return s;
}

} // namespace

class JobRunnerTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(JobRunnerTest);
    CPPUNIT_TEST(testValidSignedJobRunsOnce);
    CPPUNIT_TEST(testMetaDtAddedAfterSigningStillVerifies);
    CPPUNIT_TEST(testFrameworkErrorsComeFirst);
    CPPUNIT_TEST(testDisabledAndReadOnly);
    CPPUNIT_TEST(testMissingParams);
    CPPUNIT_TEST(testMissingSignature);
    CPPUNIT_TEST(testForgedAlteredAndWrongKeyNeverRun);
    CPPUNIT_TEST(testEmptySecretRefusesEverything);
    CPPUNIT_TEST(testEmptyObjectParamsVerify);
    CPPUNIT_TEST(testBase64Params);
    CPPUNIT_TEST(testUnknownTypeAndFallback);
    CPPUNIT_TEST(testExecutorAnswers);
    CPPUNIT_TEST(testStrictBase64);
    CPPUNIT_TEST(testCommandExecutorEndToEnd);
    CPPUNIT_TEST_SUITE_END();

    JobExecutorRegistry _registry;
    FakeExecutor _executor;

    JobRunnerResponse post(const std::string& body, const JobRunnerSettings& settings = enabledSettings(),
                           const std::string& contentType = "application/json") {
        return JobRunner(settings, _registry).handle("POST", contentType, body);
    }

public:
    void setUp() override {
        _registry.add("deletePage", &FakeExecutor::execute, &_executor);
    }

    void testValidSignedJobRunsOnce() {
        const std::string body = withSignature(kSigned, kSignature);
        auto r = post(body);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(_executor.body, r.body);
        CPPUNIT_ASSERT_EQUAL(1, _executor.calls.load());
        CPPUNIT_ASSERT_EQUAL(body, _executor.lastJson);
        CPPUNIT_ASSERT_EQUAL(200, post(body, enabledSettings(), "Application/JSON; charset=utf-8").status);
    }

    void testMetaDtAddedAfterSigningStillVerifies() {
        const std::string body = replaced(withSignature(kSigned, kSignature), R"("stream":"mediawiki.job.deletePage")",
                                          R"("stream":"mediawiki.job.deletePage","dt":"2024-07-01T12:00:05Z")");
        CPPUNIT_ASSERT_EQUAL(200, post(body).status);
        CPPUNIT_ASSERT_EQUAL(1, _executor.calls.load());
        // Removing meta.dt does not make anything else unsigned.
        const std::string altered = replaced(body, R"("title":"Main_Page")", R"("title":"Other_Page")");
        CPPUNIT_ASSERT_EQUAL(403, post(altered).status);
        CPPUNIT_ASSERT_EQUAL(1, _executor.calls.load());
    }

    void testFrameworkErrorsComeFirst() {
        JobRunnerSettings disabled;
        auto r = JobRunner(enabledSettings(), _registry).handle("GET", "application/json", "");
        CPPUNIT_ASSERT_EQUAL(405, r.status);
        CPPUNIT_ASSERT_EQUAL(411, post("", disabled).status);
        r = post(withSignature(kSigned, kSignature), disabled, "text/plain");
        CPPUNIT_ASSERT_EQUAL(415, r.status);
        CPPUNIT_ASSERT(r.body.find("\"httpCode\":415,\"httpReason\":\"Unsupported Media Type\"") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(415, post("{}", disabled, "").status);
        r = post("{not json", disabled);
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT(r.body.find("\"httpReason\":\"Bad Request\"") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(400, post("42", disabled).status);
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
    }

    void testDisabledAndReadOnly() {
        JobRunnerSettings disabled = enabledSettings();
        disabled.enabled = false;
        auto r = post(withSignature(kSigned, kSignature), disabled);
        CPPUNIT_ASSERT_EQUAL(501, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Set $wgEventBusEnableRunJobAPI to true to enable the internal )"
                                         R"(EventBus API","httpCode":501,"httpReason":"Not Implemented"})"),
                             r.body);
        JobRunnerSettings readOnly = enabledSettings();
        readOnly.readOnly = true;
        r = post("{}", readOnly);
        CPPUNIT_ASSERT_EQUAL(423, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Wiki is in read-only mode.","httpCode":423,"httpReason":"Locked"})"),
                             r.body);
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
    }

    void testMissingParams() {
        auto r = post(R"({"type":"deletePage","params":{},"mediawiki_signature":"x"})");
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Invalid event received","missing_params":["database"],)"
                                         R"("httpCode":400,"httpReason":"Bad Request"})"),
                             r.body);
        r = post(R"({"database":"enwiki","type":null,"params":{}})");
        CPPUNIT_ASSERT(r.body.find(R"("missing_params":["type"])") != std::string::npos);
        r = post(R"({"database":"enwiki","type":"deletePage"})");
        CPPUNIT_ASSERT(r.body.find(R"("missing_params":["params"])") != std::string::npos);
        r = post("[]");
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT(r.body.find(R"("missing_params":["database","type","params"])") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
    }

    void testMissingSignature() {
        auto r = post(kSigned);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(R"({"message":"Missing mediawiki signature","httpCode":403,"httpReason":"Forbidden"})"), r.body);
        r = post(replaced(withSignature(kSigned, kSignature), "\"" + kSignature + "\"", "null"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing mediawiki signature"), message(r));
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
    }

    void testForgedAlteredAndWrongKeyNeverRun() {
        const std::string invalid =
            R"({"message":"Invalid mediawiki signature","httpCode":403,"httpReason":"Forbidden"})";
        auto r = post(withSignature(kSigned, "0000000000000000000000000000000000000000"));
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(invalid, r.body);
        // A replay of a signed event with its body altered.
        r = post(replaced(withSignature(kSigned, kSignature), R"("namespace":0)", R"("namespace":1)"));
        CPPUNIT_ASSERT_EQUAL(invalid, r.body);
        r = post(replaced(withSignature(kSigned, kSignature), R"("database":"enwiki")", R"("database":"dewiki")"));
        CPPUNIT_ASSERT_EQUAL(invalid, r.body);
        // Key order is part of what is signed.
        r = post(replaced(withSignature(kSigned, kSignature), R"("database":"enwiki","type":"deletePage")",
                          R"("type":"deletePage","database":"enwiki")"));
        CPPUNIT_ASSERT_EQUAL(invalid, r.body);
        r = post(sign(kSigned, "another-secret"));
        CPPUNIT_ASSERT_EQUAL(invalid, r.body);
        r = post(replaced(withSignature(kSigned, kSignature), "\"" + kSignature + "\"", "12345"));
        CPPUNIT_ASSERT_EQUAL(invalid, r.body);
        r = post(withSignature(kSigned, "93445372FEB827956DFDC609C1188C61281A7182"));
        CPPUNIT_ASSERT_EQUAL(invalid, r.body);
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
    }

    void testEmptySecretRefusesEverything() {
        JobRunnerSettings noSecret = enabledSettings();
        noSecret.secret.clear();
        auto r = post(sign(kSigned, ""), noSecret);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid mediawiki signature"), message(r));
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
    }

    void testEmptyObjectParamsVerify() {
        // Signed over JSON.stringify output, as the api-testing suite does; PHP re-encodes {} as [].
        const std::string event = R"({"database":"enwiki","type":"deletePage","params":{},"meta":{"stream":"s"}})";
        CPPUNIT_ASSERT_EQUAL(200, post(sign(event, "secret")).status);
        CPPUNIT_ASSERT_EQUAL(1, _executor.calls.load());
    }

    void testBase64Params() {
        const std::string good = R"({"database":"enwiki","type":"deletePage","params":{"blob":)"
                                 R"("data:application/octet-stream;base64,QUJD\nRA=="}})";
        CPPUNIT_ASSERT_EQUAL(200, post(sign(good, "secret")).status);
        const std::string bad = R"({"database":"enwiki","type":"deletePage","params":{"a":1,"blob":)"
                                R"("data:application/octet-stream;base64,QUJDRA="}})";
        auto r = post(sign(bad, "secret"));
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Parameter base64_decode() failed","param_name":"blob",)"
                                         R"("param_value":"data:application/octet-stream;base64,QUJDRA=",)"
                                         R"("httpCode":500,"httpReason":"Internal Server Error"})"),
                             r.body);
        // Only top-level params are decoded, so a nested bad value passes.
        const std::string nested = R"({"database":"enwiki","type":"deletePage","params":{"n":{"blob":)"
                                   R"("data:application/octet-stream;base64,Q"}}})";
        CPPUNIT_ASSERT_EQUAL(200, post(sign(nested, "secret")).status);
        CPPUNIT_ASSERT_EQUAL(2, _executor.calls.load());
    }

    void testUnknownTypeAndFallback() {
        const std::string event = R"({"database":"enwiki","type":"refreshLinks","params":{"x":1}})";
        auto r = post(sign(event, "secret"));
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Failed creating job from description","error":)"
                                         R"("no job executor is registered for type 'refreshLinks'",)"
                                         R"("httpCode":400,"httpReason":"Bad Request"})"),
                             r.body);
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
        FakeExecutor fallback;
        _registry.add("*", &FakeExecutor::execute, &fallback);
        CPPUNIT_ASSERT_EQUAL(200, post(sign(event, "secret")).status);
        CPPUNIT_ASSERT_EQUAL(1, fallback.calls.load());
        CPPUNIT_ASSERT_EQUAL(0, _executor.calls.load());
    }

    void testExecutorAnswers() {
        const std::string body = withSignature(kSigned, kSignature);
        _executor.status = 500;
        _executor.body = R"({"message":"Internal Server Error","error":"boom","httpCode":500,"httpReason":"Internal Server Error"})";
        auto r = post(body);
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT_EQUAL(_executor.body, r.body);

        _executor.reply = false;
        r = post(body);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(r.body.find(R"({"status":true,"error":null,"caught":[],"timeMs":)") == 0);
        _executor.rc = EB_FAILED;
        r = post(body);
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("Internal Server Error"), message(r));
        CPPUNIT_ASSERT_EQUAL(3, _executor.calls.load());
    }

    void testStrictBase64() {
        for (const char* ok : {"QUJDRA==", "QUJDRA", "QUJD\nRA==", " QU JD\tRA\r\n", "QUJDREU=", "", "QUJDRA=\n="})
            CPPUNIT_ASSERT_MESSAGE(ok, JobRunner::isStrictBase64(ok));
        for (const char* bad : {"QUJDRA=", "QUJDRA===", "QUJDR", "QUJ*", "QUJDRA==QQ", "QUJDRA\v=="})
            CPPUNIT_ASSERT_MESSAGE(bad, !JobRunner::isStrictBase64(bad));
    }

    void testCommandExecutorEndToEnd() {
        char dirTemplate[] = "/tmp/jobrunner-test-XXXXXX";
        const std::string dir = mkdtemp(dirTemplate);
        const std::string marker = dir + "/ran";
        CommandJobExecutor command("cat >> " + marker + "; echo run >> " + marker, std::chrono::milliseconds(10000));
        JobExecutorRegistry registry;
        registry.add("*", &CommandJobExecutor::execute, &command);
        JobRunner runner(enabledSettings(), registry);

        auto r = runner.handle("POST", "application/json", withSignature(kSigned, "1111111111111111111111111111111111111111"));
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        r = runner.handle("POST", "application/json", kSigned);
        CPPUNIT_ASSERT_EQUAL(403, r.status);
        CPPUNIT_ASSERT_MESSAGE("a refused job ran the command", access(marker.c_str(), F_OK) != 0);

        r = runner.handle("POST", "application/json", withSignature(kSigned, kSignature));
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        std::ifstream in(marker);
        std::stringstream content;
        content << in.rdbuf();
        CPPUNIT_ASSERT_EQUAL(withSignature(kSigned, kSignature) + "run\n", content.str());

        CommandJobExecutor slow("exec sleep 30", std::chrono::milliseconds(200));
        JobExecutorRegistry slowRegistry;
        slowRegistry.add("*", &CommandJobExecutor::execute, &slow);
        r = JobRunner(enabledSettings(), slowRegistry).handle("POST", "application/json", withSignature(kSigned, kSignature));
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT(r.body.find("timed out after 200 ms") != std::string::npos);
        std::remove(marker.c_str());
        rmdir(dir.c_str());
    }

private:
    static std::string message(const JobRunnerResponse& r) {
        rapidjson::Document d;
        d.Parse(r.body.c_str());
        CPPUNIT_ASSERT_MESSAGE(r.body, d.IsObject() && d.HasMember("message") && d["message"].IsString());
        return d["message"].GetString();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JobRunnerTest);
