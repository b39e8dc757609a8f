// What the dispatcher tests share: settings for one or more services, valid test events, and
// waiting on a condition with a deadline.
#ifndef EVENTBUS_TESTS_DISPATCHFIXTURE_H
#define EVENTBUS_TESTS_DISPATCHFIXTURE_H

#include "DispatchSettings.h"
#include "Event.h"
#include "MetricsRegistry.h"

#include <cppunit/TestAssert.h>

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace CppUnit {

/// Lets CPPUNIT_ASSERT_EQUAL compare and print vectors (ids, delays).
template <typename T>
struct assertion_traits<std::vector<T>> {
    static bool equal(const std::vector<T>& a, const std::vector<T>& b) { return a == b; }
    static std::string toString(const std::vector<T>& values)
    {
        std::ostringstream out;
        out << '[';
        for (size_t i = 0; i < values.size(); ++i)
            out << (i ? "," : "") << values[i];
        out << ']';
        return out.str();
    }
};

} // namespace CppUnit

namespace eventbus {
namespace test {

class DispatchFixture {
public:
    using Clock = std::chrono::steady_clock;

    /// A service tuned for fast tests: short linger, backoff and timeouts.
    static ServiceSettings service(const std::string& name, const std::string& url)
    {
        ServiceSettings s;
        s.name = name;
        s.url = url;
        s.timeoutSeconds = 2;
        s.connectTimeoutSeconds = 1;
        s.connections = 2;
        s.lingerMs = 5;
        s.backoffBaseMs = 10;
        s.backoffMaxMs = 40;
        return s;
    }

    static DispatchSettings settings(const ServiceSettings& only, const std::string& deadLetterPath)
    {
        DispatchSettings s;
        s.enable = "TYPE_ALL";
        s.defaultService = only.name;
        s.services = {only};
        s.deadLetterPath = deadLetterPath;
        return s;
    }

    /// A valid /test/event/1.0.0 event with meta.id = id.
    static Event event(const std::string& id, const std::string& stream = "test.event", int type = 1)
    {
        Event e;
        e.stream = stream;
        e.id = id;
        e.type = type;
        e.plugin = "test";
        e.json = R"({"$schema":"/test/event/1.0.0","meta":{"stream":")" + stream + R"(","id":")" + id
            + R"(","dt":"2026-11-28T12:00:00Z","domain":"test.wikipedia.org"},"test":"value )" + id + R"("})";
        return e;
    }

    static std::vector<Event> events(const std::string& prefix, size_t n, const std::string& stream = "test.event")
    {
        std::vector<Event> list;
        for (size_t i = 0; i < n; ++i)
            list.push_back(event(prefix + std::to_string(i), stream));
        return list;
    }

    static Clock::time_point deadline(int milliseconds = 10000)
    {
        return Clock::now() + std::chrono::milliseconds(milliseconds);
    }

    /// Polls the condition until it holds or the deadline passes.
    static bool waitUntil(const std::function<bool()>& condition, Clock::time_point until)
    {
        while (!condition()) {
            if (Clock::now() >= until)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return true;
    }

    static std::vector<std::string> lines(const std::string& path)
    {
        std::vector<std::string> result;
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line))
            result.push_back(line);
        return result;
    }

    static std::string temporaryPath()
    {
        return Poco::TemporaryFile::tempName();
    }
};

} // namespace test
} // namespace eventbus

#endif
