#include "HtcpPacket.h"

#include "integration/feeds/EventFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

#include <random>

using eventbus::cdnpurge::HtcpPacket;

class HtcpPacketTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(HtcpPacketTest);
    CPPUNIT_TEST(testSpecExample);
    CPPUNIT_TEST(testPackedLikeMediaWiki);
    CPPUNIT_TEST(testRfcNibbleOrder);
    CPPUNIT_TEST(testOtherOpcodes);
    CPPUNIT_TEST(testEveryTruncation);
    CPPUNIT_TEST(testUrlPastTheEndDespiteLengthField);
    CPPUNIT_TEST(testTrailingBytesAreTolerated);
    CPPUNIT_TEST(testOtherMethodLength);
    CPPUNIT_TEST(testOversized);
    CPPUNIT_TEST(testGarbageNeverCrashes);
    CPPUNIT_TEST_SUITE_END();

public:
    /// An HTCP CLR exactly as MediaWiki's CdnCacheUpdate::HTCPPurge packs it (spec section 2.3).
    static std::string pack(const std::string& url, uint32_t transId = 123456, unsigned char opcode = 0x04) {
        const size_t len = url.size();
        std::string p;
        auto u16 = [&p](size_t v) { p += static_cast<char>(v >> 8 & 0xFF); p += static_cast<char>(v & 0xFF); };
        u16(len + 36);
        p += '\0';
        p += '\0';
        u16(len + 30);
        p += static_cast<char>(opcode);
        p += '\0';
        u16(transId >> 16);
        u16(transId & 0xFFFF);
        u16(0);
        u16(4);
        p += "HEAD";
        u16(len);
        p += url;
        u16(8);
        p += "HTTP/1.0";
        u16(0);
        u16(2);
        return p;
    }

    void testSpecExample() {
        const std::string datagram = EventFixtures::read("cdn-purge/clr-foo.htcp");
        CPPUNIT_ASSERT_EQUAL(size_t(69), datagram.size());
        const HtcpPacket p = HtcpPacket::parse(datagram);
        CPPUNIT_ASSERT_MESSAGE(p.error(), p.valid());
        CPPUNIT_ASSERT(p.reason() == nullptr);
        CPPUNIT_ASSERT_EQUAL(uint32_t(123456), p.transactionId());
        CPPUNIT_ASSERT_EQUAL(std::string("HEAD"), std::string(p.method()));
        CPPUNIT_ASSERT_EQUAL(std::string("https://en.wikipedia.org/wiki/Foo"), std::string(p.url()));
    }

    void testPackedLikeMediaWiki() {
        CPPUNIT_ASSERT(pack("https://en.wikipedia.org/wiki/Foo") == EventFixtures::read("cdn-purge/clr-foo.htcp"));
        const std::string url = "https://en.wikipedia.org/w/index.php?title=Caf%C3%A9&action=history";
        const std::string datagram = pack(url, 0xFFFFFFFF);
        const HtcpPacket p = HtcpPacket::parse(datagram);
        CPPUNIT_ASSERT(p.valid());
        CPPUNIT_ASSERT_EQUAL(url, std::string(p.url()));
        CPPUNIT_ASSERT_EQUAL(uint32_t(0xFFFFFFFF), p.transactionId());
    }

    void testRfcNibbleOrder() {
        const std::string datagram = pack("http://a.example/", 1, 0x40);
        const HtcpPacket p = HtcpPacket::parse(datagram);
        CPPUNIT_ASSERT_MESSAGE(p.error(), p.valid());
        CPPUNIT_ASSERT_EQUAL(std::string("http://a.example/"), std::string(p.url()));
    }

    void testOtherOpcodes() {
        for (unsigned opcode : {0x00u, 0x01u, 0x02u, 0x03u, 0x05u, 0x14u, 0x44u, 0xFFu}) {
            const HtcpPacket p = HtcpPacket::parse(pack("http://a.example/", 1, static_cast<unsigned char>(opcode)));
            CPPUNIT_ASSERT(!p.valid());
            CPPUNIT_ASSERT_EQUAL(std::string("not_htcp_clr"), std::string(p.reason()));
            CPPUNIT_ASSERT(!p.error().empty());
        }
    }

    void testEveryTruncation() {
        const std::string datagram = EventFixtures::read("cdn-purge/clr-foo.htcp");
        for (size_t len = 0; len < datagram.size(); ++len) {
            const HtcpPacket p = HtcpPacket::parse(datagram.substr(0, len));
            CPPUNIT_ASSERT_MESSAGE("accepted a packet cut to " + std::to_string(len), !p.valid());
            CPPUNIT_ASSERT_EQUAL(std::string("truncated_htcp"), std::string(p.reason()));
            CPPUNIT_ASSERT(p.url().empty());
        }
    }

    void testUrlPastTheEndDespiteLengthField() {
        // A lying LENGTH field (0) does not let the URI COUNTSTR read past the datagram.
        std::string datagram = pack("https://en.wikipedia.org/wiki/Foo");
        datagram[0] = datagram[1] = '\0';
        datagram[20] = '\x7F';
        const HtcpPacket p = HtcpPacket::parse(datagram);
        CPPUNIT_ASSERT(!p.valid());
        CPPUNIT_ASSERT_EQUAL(std::string("truncated_htcp"), std::string(p.reason()));
        datagram[20] = '\0';
        datagram[14] = '\x10'; // METHOD length 4096
        CPPUNIT_ASSERT_EQUAL(std::string("truncated_htcp"), std::string(HtcpPacket::parse(datagram).reason()));
    }

    void testTrailingBytesAreTolerated() {
        const std::string datagram = pack("http://a.example/x") + std::string(16, '\0');
        const HtcpPacket p = HtcpPacket::parse(datagram);
        CPPUNIT_ASSERT_MESSAGE(p.error(), p.valid());
        CPPUNIT_ASSERT_EQUAL(std::string("http://a.example/x"), std::string(p.url()));
    }

    void testOtherMethodLength() {
        // vhtcpd reads the METHOD COUNTSTR and then the URI: a method other than HEAD still works.
        std::string datagram = pack("http://a.example/x");
        datagram.replace(14, 6, std::string("\0\x05PURGE", 7));
        datagram[1] = static_cast<char>(datagram.size());
        const HtcpPacket p = HtcpPacket::parse(datagram);
        CPPUNIT_ASSERT_MESSAGE(p.error(), p.valid());
        CPPUNIT_ASSERT_EQUAL(std::string("PURGE"), std::string(p.method()));
        CPPUNIT_ASSERT_EQUAL(std::string("http://a.example/x"), std::string(p.url()));
    }

    void testOversized() {
        const HtcpPacket p = HtcpPacket::parse(pack("http://a.example/" + std::string(65500, 'x')));
        CPPUNIT_ASSERT(!p.valid());
        CPPUNIT_ASSERT_EQUAL(std::string("oversized"), std::string(p.reason()));
    }

    void testGarbageNeverCrashes() {
        std::mt19937 random(5);
        const std::string good = pack("https://en.wikipedia.org/wiki/Foo");
        size_t rejected = 0;
        for (int i = 0; i < 5000; ++i) {
            std::string datagram = good;
            const int flips = 1 + static_cast<int>(random() % 6);
            for (int f = 0; f < flips; ++f) datagram[random() % datagram.size()] = static_cast<char>(random());
            datagram.resize(random() % (datagram.size() + 8), static_cast<char>(random()));
            const HtcpPacket p = HtcpPacket::parse(datagram);
            if (!p.valid()) {
                ++rejected;
                CPPUNIT_ASSERT(p.reason() != nullptr && !p.error().empty());
            } else {
                CPPUNIT_ASSERT(p.url().data() >= datagram.data() &&
                               p.url().data() + p.url().size() <= datagram.data() + datagram.size());
            }
        }
        CPPUNIT_ASSERT(rejected > 0);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HtcpPacketTest);
