#include "CommandJobExecutor.h"

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace eventbus;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A process is gone once /proc has no entry for it or only its zombie is left (no init may reap
// it inside a container).
bool processGone(const std::string& pid) {
    std::ifstream stat("/proc/" + pid + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

} // namespace

class CommandJobExecutorTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(CommandJobExecutorTest);
    CPPUNIT_TEST(testRunsOnceWithTheJobOnStdin);
    CPPUNIT_TEST(testNonZeroExitIsA500WithStderr);
    CPPUNIT_TEST(testTimeoutKillsTheProcessGroup);
    CPPUNIT_TEST(testCommandThatIgnoresStdin);
    CPPUNIT_TEST(testLargeJobRoundTrips);
    CPPUNIT_TEST(testReplyThroughTheAbi);
    CPPUNIT_TEST_SUITE_END();

    std::string _dir;

    std::string script(const std::string& name, const std::string& body) {
        const std::string path = _dir + "/" + name;
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        chmod(path.c_str(), 0755);
        return path;
    }

public:
    void setUp() override {
        char dirTemplate[] = "/tmp/command-job-executor-XXXXXX";
        _dir = mkdtemp(dirTemplate);
    }

    void tearDown() override { std::system(("rm -rf '" + _dir + "'").c_str()); }

    void testRunsOnceWithTheJobOnStdin() {
        const std::string run = script("run.sh", "cat > \"$1/stdin\"; echo once >> \"$1/count\"");
        CommandJobExecutor executor(run + " " + _dir, std::chrono::milliseconds(10000));
        const std::string job = R"({"database":"enwiki","type":"deletePage","params":{}})";
        auto r = executor.run(job);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(r.body.find(R"({"status":true,"error":null,"caught":[],"timeMs":)") == 0);
        CPPUNIT_ASSERT_EQUAL(job, readFile(_dir + "/stdin"));
        CPPUNIT_ASSERT_EQUAL(std::string("once\n"), readFile(_dir + "/count"));
    }

    void testNonZeroExitIsA500WithStderr() {
        const std::string fail = script("fail.sh", "cat > /dev/null; echo 'Failed to execute job on enwiki: boom' >&2; exit 3");
        auto r = CommandJobExecutor(fail, std::chrono::milliseconds(10000)).run("{}");
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"message":"Internal Server Error","error":"the job command exited with )"
                                         R"(status 3: Failed to execute job on enwiki: boom","httpCode":500,)"
                                         R"("httpReason":"Internal Server Error"})"),
                             r.body);
        r = CommandJobExecutor(_dir + "/does-not-exist", std::chrono::milliseconds(10000)).run("{}");
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT(r.body.find("exited with status 127") != std::string::npos);
        // Only the end of a long stderr is kept, and it stays valid JSON.
        const std::string noisy = script("noisy.sh", "i=0; while [ $i -lt 2000 ]; do echo \"line $i \\377\" >&2; "
                                                     "i=$((i+1)); done; exit 1");
        r = CommandJobExecutor(noisy, std::chrono::milliseconds(10000), 100).run("{}");
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT(r.body.find("line 1999 ?") != std::string::npos);
        CPPUNIT_ASSERT(r.body.find("line 1000") == std::string::npos);
        CPPUNIT_ASSERT(r.body.size() < 400);
    }

    void testTimeoutKillsTheProcessGroup() {
        const std::string slow = script("slow.sh", "echo $$ > \"$1/pid\"; sleep 30 & echo $! > \"$1/child\"; wait");
        const auto started = std::chrono::steady_clock::now();
        auto r = CommandJobExecutor(slow + " " + _dir, std::chrono::milliseconds(300)).run("{}");
        CPPUNIT_ASSERT(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT(r.body.find("the job command timed out after 300 ms and was killed") != std::string::npos);
        for (const char* file : {"/pid", "/child"}) {
            const std::string pid = readFile(_dir + file);
            CPPUNIT_ASSERT(!pid.empty());
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (!processGone(pid.substr(0, pid.find('\n'))) && std::chrono::steady_clock::now() < deadline)
                std::this_thread::yield();
            CPPUNIT_ASSERT_MESSAGE(std::string("still running: ") + file, processGone(pid.substr(0, pid.find('\n'))));
        }
    }

    void testCommandThatIgnoresStdin() {
        // A command that exits without reading must not stall or kill the daemon (no SIGPIPE).
        const std::string job(4 * 1024 * 1024, 'x');
        auto r = CommandJobExecutor("exit 0", std::chrono::milliseconds(10000)).run(job);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
    }

    void testLargeJobRoundTrips() {
        std::string job = "{\"params\":{\"text\":\"";
        job.append(2 * 1024 * 1024, 'a');
        job += "\"}}";
        const std::string echo = script("echo.sh", "cat > \"$1/stdin\"; cat \"$1/stdin\"; cat \"$1/stdin\" >&2");
        auto r = CommandJobExecutor(echo + " " + _dir, std::chrono::milliseconds(20000)).run(job);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT(job == readFile(_dir + "/stdin"));
    }

    void testReplyThroughTheAbi() {
        CommandJobExecutor executor("cat > /dev/null; exit 2", std::chrono::milliseconds(10000));
        struct Captured {
            int status = 0;
            std::string body;
        } captured;
        const eb_job_reply reply{&captured, [](void* ctx, int status, const char* body, size_t len) {
                                     auto* c = static_cast<Captured*>(ctx);
                                     c->status = status;
                                     c->body.assign(body, len);
                                 }};
        CPPUNIT_ASSERT_EQUAL(int(EB_OK), CommandJobExecutor::execute(&executor, "{}", 2, &reply));
        CPPUNIT_ASSERT_EQUAL(500, captured.status);
        CPPUNIT_ASSERT(captured.body.find("exited with status 2") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CommandJobExecutorTest);
