#include "SyslogFrame.h"

#include "integration/feeds/EventFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

using eventbus::monolog::SyslogFrame;

class SyslogFrameTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SyslogFrameTest);
    CPPUNIT_TEST(testMonologSyslogUdpHandlerDatagram);
    CPPUNIT_TEST(testStructuredDataBomAndCrLf);
    CPPUNIT_TEST(testNoMessage);
    CPPUNIT_TEST(testBadHeaders);
    CPPUNIT_TEST(testEveryTruncationOfTheHeader);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMonologSyslogUdpHandlerDatagram() {
        const std::string datagram = EventFixtures::read("monolog/api-request.syslog");
        const SyslogFrame f = SyslogFrame::parse(datagram);
        CPPUNIT_ASSERT_MESSAGE(f.error(), f.valid());
        CPPUNIT_ASSERT_EQUAL(1, f.facility()); // LOG_USER
        CPPUNIT_ASSERT_EQUAL(6, f.severity()); // INFO
        CPPUNIT_ASSERT_EQUAL(1, f.version());
        CPPUNIT_ASSERT_EQUAL(std::string("2024-07-01T12:00:00+00:00"), std::string(f.timestamp()));
        CPPUNIT_ASSERT_EQUAL(std::string("mw1234"), std::string(f.hostname()));
        CPPUNIT_ASSERT_EQUAL(std::string("php"), std::string(f.appName()));
        CPPUNIT_ASSERT_EQUAL(std::string("12345"), std::string(f.procId()));
        CPPUNIT_ASSERT_EQUAL(std::string("-"), std::string(f.msgId()));
        CPPUNIT_ASSERT_EQUAL(std::string("-"), std::string(f.structuredData()));
        const std::string line = EventFixtures::read("monolog/api-request.jsonl");
        CPPUNIT_ASSERT_EQUAL(line.substr(0, line.size() - 1), std::string(f.message()));
    }

    void testStructuredDataBomAndCrLf() {
        const std::string datagram = EventFixtures::read("monolog/structured-data.syslog");
        const SyslogFrame f = SyslogFrame::parse(datagram);
        CPPUNIT_ASSERT_MESSAGE(f.error(), f.valid());
        CPPUNIT_ASSERT_EQUAL(16, f.facility()); // local0
        CPPUNIT_ASSERT_EQUAL(6, f.severity());
        CPPUNIT_ASSERT_EQUAL(std::string("EventBus"), std::string(f.msgId()));
        CPPUNIT_ASSERT_EQUAL(std::string(R"([exampleSDID@32473 iut="3" eventSource="App\"li]cation"][x@1 a="b"])"),
                             std::string(f.structuredData()));
        const std::string batch = EventFixtures::read("monolog/batch.json");
        CPPUNIT_ASSERT_EQUAL(batch.substr(0, batch.size() - 1), std::string(f.message()));
    }

    void testNoMessage() {
        const std::string datagram = "<0>1 - - - - - -";
        const SyslogFrame f = SyslogFrame::parse(datagram);
        CPPUNIT_ASSERT_MESSAGE(f.error(), f.valid());
        CPPUNIT_ASSERT_EQUAL(0, f.facility());
        CPPUNIT_ASSERT_EQUAL(0, f.severity());
        CPPUNIT_ASSERT(f.message().empty());
    }

    void testBadHeaders() {
        for (const std::string& datagram : std::vector<std::string>{
                 "", "{\"message\":\"\"}", "<>1 - - - - - - x", "<192>1 - - - - - - x", "<1234>1 - - - - - - x",
                 "<14> - - - - - - x", "<14>0 - - - - - - x", "<14>Jul 1 12:00:00 mw1234 mediawiki: {}",
                 "<14>1  - - - - - x", "<14>1 - - - - -", "<14>1 - - - - - [unterminated x",
                 "<14>1 - - - - - [a b=\"c\\]", "<14>1 - - - - - -x", "<14>1 - - " + std::string(49, 'a') + " - - - x",
                 std::string("<14>1 - h\0st - - - - x", 23), "<14", "<14>"}) {
            const SyslogFrame f = SyslogFrame::parse(datagram);
            CPPUNIT_ASSERT_MESSAGE("accepted: " + datagram, !f.valid());
            CPPUNIT_ASSERT(!f.error().empty());
        }
    }

    void testEveryTruncationOfTheHeader() {
        const std::string datagram = EventFixtures::read("monolog/api-request.syslog");
        const size_t header = datagram.find('{');
        for (size_t len = 0; len + 1 < header; ++len) {
            const std::string cut = datagram.substr(0, len);
            CPPUNIT_ASSERT_MESSAGE("accepted a header cut to " + std::to_string(len), !SyslogFrame::parse(cut).valid());
        }
        const std::string upToSd = datagram.substr(0, header - 1);
        CPPUNIT_ASSERT(SyslogFrame::parse(upToSd).valid());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SyslogFrameTest);
