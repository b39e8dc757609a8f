// Configuration loading: drop-in order, keys with dotted stream names, types, defaults, and
// messages that name file and key.
#include "Config.h"
#include "TestEnv.h"
#include "eventbus/plugin.h"

#include <cppunit/extensions/HelperMacros.h>

#include <sys/stat.h>

using namespace eventbus;

namespace {

struct Files {
    test::ScratchDir dir;
    std::string main = dir.file("eventbusd.properties");
    Files() { ::mkdir(dir.file("conf.d").c_str(), 0755); }
    void dropIn(const std::string& name, const std::string& text) { test::writeFile(dir.file("conf.d/" + name), text); }
};

std::string all(const std::vector<ConfigProblem>& problems)
{
    std::string s;
    for (const auto& p : problems) s += p.str() + "\n";
    return s;
}

} // namespace

class ConfigTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(ConfigTest);
    CPPUNIT_TEST(testServicesStreamsAndMaps);
    CPPUNIT_TEST(testDropInsInLexicalOrderLaterWins);
    CPPUNIT_TEST(testDefaultsAndSingleServiceIsDefault);
    CPPUNIT_TEST(testProblemsNameFileAndKey);
    CPPUNIT_TEST(testDataPathsResolveAgainstStateDir);
    CPPUNIT_TEST(testChecksTypes);
    CPPUNIT_TEST(testDisplayUrlHidesCredentials);
    CPPUNIT_TEST_SUITE_END();

public:
    void testServicesStreamsAndMaps()
    {
        Files f;
        test::writeFile(f.main, "service.a.url = http://intake.main/v1/events\n"
                                "service.a.timeout = 0\n"
                                "service.b.url = http://intake.other/v1/events\n"
                                "service.b.x_client_ip_forwarding = true\n"
                                "service.b.connections = 4\n"
                                "eventbusd.default_service = a\n"
                                "eventbusd.stream_config = true\n"
                                "stream.mediawiki.recentchange.service = b\n"
                                "stream.mediawiki.page-delete.enabled = false\n"
                                "stream./^mediawiki[.]job[.].+/.service = a\n"
                                "stream_map.mediawiki.page_change.v1 = rc0.page_change\n");
        std::vector<ConfigProblem> problems;
        Settings s = Config::load(f.main, problems);
        CPPUNIT_ASSERT_MESSAGE(all(problems), problems.empty());
        CPPUNIT_ASSERT_EQUAL(size_t(2), s.dispatch.services.size());
        CPPUNIT_ASSERT_EQUAL(10.0, s.dispatch.services[0].timeoutSeconds); // 0 means 10, as in the extension
        CPPUNIT_ASSERT(s.dispatch.services[1].forwardClientIp);
        CPPUNIT_ASSERT_EQUAL(4, s.dispatch.services[1].connections);
        CPPUNIT_ASSERT(s.dispatch.streamConfig);
        CPPUNIT_ASSERT_EQUAL(size_t(3), s.dispatch.streams.size());
        bool sawRc = false, sawDelete = false, sawRegex = false;
        for (const auto& st : s.dispatch.streams) {
            if (st.name == "mediawiki.recentchange") sawRc = st.service == "b" && st.enabled;
            if (st.name == "mediawiki.page-delete") sawDelete = !st.enabled;
            if (st.name == "/^mediawiki[.]job[.].+/") sawRegex = st.service == "a";
        }
        CPPUNIT_ASSERT(sawRc && sawDelete && sawRegex);
        CPPUNIT_ASSERT_EQUAL(std::string("rc0.page_change"), s.dispatch.streamNamesMap.at("mediawiki.page_change.v1"));
    }

    void testDropInsInLexicalOrderLaterWins()
    {
        Files f;
        test::writeFile(f.main, "service.a.url = file:x\neventbusd.drain_timeout = 1\n");
        f.dropIn("20-second.properties", "eventbusd.drain_timeout = 3\nplugin.p.enabled = true\n");
        f.dropIn("10-first.properties", "eventbusd.drain_timeout = 2\nplugin.p.enabled = false\nplugin.p.k = v\n");
        f.dropIn("ignored.txt", "not = read\n");
        std::vector<ConfigProblem> problems;
        Settings s = Config::load(f.main, problems);
        CPPUNIT_ASSERT_MESSAGE(all(problems), problems.empty());
        CPPUNIT_ASSERT_EQUAL(3.0, s.drainSeconds);
        CPPUNIT_ASSERT(s.plugins.at("p").enabled);
        CPPUNIT_ASSERT_EQUAL(std::string("v"), s.plugins.at("p").keys.at("k").value);
        CPPUNIT_ASSERT_EQUAL(f.dir.file("conf.d/10-first.properties"), s.plugins.at("p").keys.at("k").file);
    }

    void testDefaultsAndSingleServiceIsDefault()
    {
        Files f;
        test::writeFile(f.main, "service.only.url = file:events.jsonl\n");
        std::vector<ConfigProblem> problems;
        Settings s = Config::load(f.main, problems);
        CPPUNIT_ASSERT_MESSAGE(all(problems), problems.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("only"), s.dispatch.defaultService);
        CPPUNIT_ASSERT_EQUAL(size_t(4194304), s.dispatch.services[0].maxBatchBytes);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:9386"), s.admin.listen);
        CPPUNIT_ASSERT_EQUAL(2, s.udp.threads);
        CPPUNIT_ASSERT_EQUAL(1000LL, s.udp.lingerUs);
        CPPUNIT_ASSERT(!s.jobRunner.enabled);
        CPPUNIT_ASSERT(!s.allowRoot);
    }

    void testProblemsNameFileAndKey()
    {
        Files f;
        test::writeFile(f.main, "service.a.url = http://x/v1/events\n"
                                "service.a.max_batch_bytes = 9999999\n"
                                "service.a.tmeout = 3\n"
                                "stream.s.service = missing\n"
                                "stream.s.colour = red\n"
                                "ingress.http.listen = nowhere\n"
                                "ingress.udp.threads = 0\n"
                                "ingress.udp.linger_us = 4294968296\n"
                                "eventbusd.memory_budget_bytes = -5\n"
                                "jobrunner.enabled = true\n");
        std::vector<ConfigProblem> problems;
        Config::load(f.main, problems);
        std::string text = all(problems);
        for (const std::string& expected :
             {f.main + ":service.a.max_batch_bytes: must be 1..4194304 (EventGate's body limit)",
              f.main + ":service.a.tmeout: unknown service key (did you mean service.a.timeout?)",
              f.main + ":stream.s.service: names the event service 'missing', which has no service.missing.url",
              f.main + ":stream.s.colour: unknown stream key",
              f.main + ":ingress.http.listen: not host:port: 'nowhere'",
              f.main + ":ingress.udp.threads: must be between 1 and 64",
              f.main + ":ingress.udp.linger_us: must be between 0 and 100000",
              f.main + ":eventbusd.memory_budget_bytes: must be 1048576..1125899906842624 (1 MB to 1 PB)",
              f.main + ":jobrunner.secret: required when jobrunner.enabled = true"})
            CPPUNIT_ASSERT_MESSAGE(text, text.find(expected) != std::string::npos);

        // Too small a budget as well as a wrapped negative one.
        test::writeFile(f.main, "service.a.url = file:x.jsonl\neventbusd.memory_budget_bytes = 1048575\n");
        problems.clear();
        Config::load(f.main, problems);
        CPPUNIT_ASSERT_EQUAL(size_t(1), problems.size());
        CPPUNIT_ASSERT_EQUAL(std::string("eventbusd.memory_budget_bytes"), problems[0].key);
        test::writeFile(f.main, "service.a.url = file:x.jsonl\neventbusd.memory_budget_bytes = 1048576\n");
        problems.clear();
        Settings s = Config::load(f.main, problems);
        CPPUNIT_ASSERT_MESSAGE(all(problems), problems.empty());
        CPPUNIT_ASSERT_EQUAL(size_t(1048576), s.dispatch.memoryBudgetBytes);
    }

    void testDataPathsResolveAgainstStateDir()
    {
        Files f;
        test::writeFile(f.main, "service.a.url = file:out/events.jsonl\neventbusd.state_dir = /var/lib/eventbus\n");
        std::vector<ConfigProblem> problems;
        Settings s = Config::load(f.main, problems);
        CPPUNIT_ASSERT_EQUAL(std::string("file:/var/lib/eventbus/out/events.jsonl"), s.dispatch.services[0].url);
        CPPUNIT_ASSERT_EQUAL(std::string("/var/lib/eventbus/dead-letters.jsonl"), s.dispatch.deadLetterPath);
    }

    void testChecksTypes()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(), Config::checkType(EB_CFG_ADDRESS, "127.0.0.1:9390"));
        CPPUNIT_ASSERT_EQUAL(std::string(), Config::checkType(EB_CFG_ADDRESS, "[::1]:80"));
        CPPUNIT_ASSERT(!Config::checkType(EB_CFG_ADDRESS, "127.0.0.1:70000").empty());
        CPPUNIT_ASSERT(!Config::checkType(EB_CFG_INT, "12x").empty());
        CPPUNIT_ASSERT(!Config::checkType(EB_CFG_BOOL, "maybe").empty());
        CPPUNIT_ASSERT_EQUAL(std::string(), Config::checkType(EB_CFG_BOOL, "Yes"));
        CPPUNIT_ASSERT(!Config::checkType(EB_CFG_DOUBLE, "fast").empty());
    }

    void testDisplayUrlHidesCredentials()
    {
        ServiceSettings s;
        s.url = "http://user:s3cret@intake.local:8192/v1/events";
        CPPUNIT_ASSERT_EQUAL(std::string("http://intake.local:8192/v1/events"), s.displayUrl());
        s.url = "http://intake.local:8192/v1/events?x=a@b";
        CPPUNIT_ASSERT_EQUAL(s.url, s.displayUrl());
        s.url = "file:/var/lib/eventbus/events.jsonl";
        CPPUNIT_ASSERT_EQUAL(s.url, s.displayUrl());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigTest);
