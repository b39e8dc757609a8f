// eventbusd.log_format = json writes one JSON object per line; repeated rejections are
// rate-limited with a count of what was suppressed (issue 8, logs).
#include "OperabilityDaemon.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <csignal>
#include <sstream>

using namespace eventbus;
using namespace eventbus::test;

class LogFormatTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LogFormatTest);
    CPPUNIT_TEST(testJsonLinesAndRateLimitedRepeats);
    CPPUNIT_TEST_SUITE_END();

public:
    void testJsonLinesAndRateLimitedRepeats()
    {
        OperabilityDaemon d("", "eventbusd.log_format = json\n");
        d.start();
        for (int i = 0; i < 50; ++i) sendUdp(d.udpPort, "garbage " + std::to_string(i));
        CPPUNIT_ASSERT_EQUAL(201, httpRequest(d.httpPort, "POST", "/test/events", testEvent("after-garbage")));
        CPPUNIT_ASSERT(waitUntil([&] { return readLines(d.dir.file("events.jsonl")).size() == 1; }, std::chrono::seconds(10)));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, std::chrono::seconds(5)));

        std::istringstream log(d.process->log());
        size_t lines = 0, rejections = 0;
        for (std::string line; std::getline(log, line);) {
            if (line.empty()) continue;
            ++lines;
            Poco::JSON::Parser parser;
            Poco::JSON::Object::Ptr o;
            CPPUNIT_ASSERT_NO_THROW_MESSAGE(line, o = parser.parse(line).extract<Poco::JSON::Object::Ptr>());
            for (const char* key : {"time", "level", "logger", "message"})
                CPPUNIT_ASSERT_MESSAGE(line, o->has(key));
            if (o->getValue<std::string>("message").find("rejected input (malformed_json)") != std::string::npos)
                ++rejections;
        }
        CPPUNIT_ASSERT(lines >= 3);
        // 50 identical rejections within the throttle interval: one line, not fifty.
        CPPUNIT_ASSERT_EQUAL(size_t(1), rejections);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogFormatTest);
