// LineSplitter, shared by the TCP line and exec listeners: lines across chunk boundaries, "\r\n",
// empty lines, oversized lines reported once whether they end in the chunk or span several.
#include "LineSplitter.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using namespace eventbus;

namespace {

struct Collected {
    std::vector<std::string> lines;
    int oversized = 0;
};

Collected split(size_t limit, const std::vector<std::string>& chunks, bool finish = true)
{
    Collected c;
    LineSplitter s(limit);
    auto onLine = [&](std::string_view l) { c.lines.emplace_back(l); };
    auto onOversized = [&] { ++c.oversized; };
    for (const auto& chunk : chunks) s.feed(chunk.data(), chunk.size(), onLine, onOversized);
    if (finish) s.finish(onLine, onOversized);
    return c;
}

} // namespace

class LineSplitterTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(LineSplitterTest);
    CPPUNIT_TEST(testLinesAcrossChunks);
    CPPUNIT_TEST(testOversizedLines);
    CPPUNIT_TEST_SUITE_END();

public:
    void testLinesAcrossChunks()
    {
        Collected c = split(100, {"a\r\nb", "c\n\n", "d"});
        CPPUNIT_ASSERT_EQUAL(size_t(3), c.lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("a"), c.lines[0]);
        CPPUNIT_ASSERT_EQUAL(std::string("bc"), c.lines[1]);
        CPPUNIT_ASSERT_EQUAL(std::string("d"), c.lines[2]);
        CPPUNIT_ASSERT_EQUAL(0, c.oversized);
        CPPUNIT_ASSERT_EQUAL(size_t(2), split(100, {"a\r\nb", "c\n\n", "d"}, false).lines.size());
    }

    void testOversizedLines()
    {
        // Spanning chunks: reported once, the next line still arrives.
        Collected c = split(4, {"123", "456", "789\nok\n"});
        CPPUNIT_ASSERT_EQUAL(1, c.oversized);
        CPPUNIT_ASSERT_EQUAL(size_t(1), c.lines.size());
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), c.lines[0]);
        // Completed past the limit inside one chunk.
        Collected d = split(4, {"12", "34567\nok\n"});
        CPPUNIT_ASSERT_EQUAL(1, d.oversized);
        CPPUNIT_ASSERT_EQUAL(size_t(1), d.lines.size());
        // Exactly at the limit is a line.
        CPPUNIT_ASSERT_EQUAL(std::string("1234"), split(4, {"1234\n"}).lines.at(0));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LineSplitterTest);
