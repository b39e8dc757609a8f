// The dead letter file keeps whole lines: a write that fails part way (a full disk, simulated
// with RLIMIT_FSIZE) is cut off, so the letter written once there is room starts a line of its own.
#include "DeadLetterFile.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <cppunit/extensions/HelperMacros.h>

#include <csignal>
#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>

using eventbus::DeadLetterFile;

namespace {

std::vector<std::string> lines(const std::string& path)
{
    std::vector<std::string> result;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        result.push_back(line);
    return result;
}

std::string event(const std::string& id)
{
    return R"({"meta":{"id":")" + id + R"(","stream":"s"},"pad":")" + std::string(200, 'x') + R"("})";
}

/// Lowers the process's file size limit for its lifetime; writes past it fail with EFBIG.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        getrlimit(RLIMIT_FSIZE, &_saved);
        _signal = std::signal(SIGXFSZ, SIG_IGN); // else the write past the limit kills the process
        rlimit lowered = _saved;
        lowered.rlim_cur = bytes;
        CPPUNIT_ASSERT_EQUAL(0, setrlimit(RLIMIT_FSIZE, &lowered));
    }
    ~FileSizeLimit()
    {
        setrlimit(RLIMIT_FSIZE, &_saved);
        std::signal(SIGXFSZ, _signal);
    }

private:
    rlimit _saved{};
    void (*_signal)(int) = SIG_DFL;
};

} // namespace

class DeadLetterFileTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(DeadLetterFileTest);
    CPPUNIT_TEST(testFailedWriteLeavesWholeLines);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFailedWriteLeavesWholeLines()
    {
        const std::string directory = Poco::TemporaryFile::tempName();
        const std::string path = directory + "/dead-letters.jsonl";
        DeadLetterFile file(path);
        file.write("invalid", "a", "s", event("1"));
        const auto firstSize = Poco::File(path).getSize();
        bool threw = false;
        {
            FileSizeLimit limit(firstSize + 40); // room for 40 bytes of the next line only
            try {
                file.write("invalid", "a", "s", event("2"));
            } catch (const std::exception&) {
                threw = true;
            }
        }
        const auto afterFailure = Poco::File(path).getSize();
        file.write("invalid", "a", "s", event("3"));
        const std::vector<std::string> written = lines(path);
        Poco::File(directory).remove(true);
        CPPUNIT_ASSERT(threw);
        CPPUNIT_ASSERT_EQUAL(firstSize, afterFailure);
        CPPUNIT_ASSERT_EQUAL(size_t(2), written.size());
        CPPUNIT_ASSERT_EQUAL(DeadLetterFile::format("invalid", "a", "s", event("1")), written[0]);
        CPPUNIT_ASSERT_EQUAL(DeadLetterFile::format("invalid", "a", "s", event("3")), written[1]);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DeadLetterFileTest);
