// Fixture bytes and expected-event checks shared by the rcfeed, cdn-purge and monolog tests.
#ifndef EVENTBUS_TESTS_FEEDS_EVENTFIXTURES_H
#define EVENTBUS_TESTS_FEEDS_EVENTFIXTURES_H

#include <cppunit/extensions/HelperMacros.h>

#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

/// Reads fixture files and compares produced events with expectations in which "@ID@" and "@DT@"
/// stand for the random meta.id and the current meta.dt.
class EventFixtures {
public:
    /// The bytes of tests/fixtures/<relative>, exactly.
    static std::string read(const std::string& relative) {
        const char* source = std::getenv("EVENTBUS_SOURCE_DIR");
        CPPUNIT_ASSERT_MESSAGE("EVENTBUS_SOURCE_DIR is not set (run through ctest)", source != nullptr);
        const std::string path = std::string(source) + "/tests/fixtures/" + relative;
        std::ifstream in(path, std::ios::binary);
        CPPUNIT_ASSERT_MESSAGE("cannot read fixture " + path, in.good());
        std::ostringstream bytes;
        bytes << in.rdbuf();
        return bytes.str();
    }

    /// Asserts that actual equals expected byte for byte once "@ID@" is replaced by actual's meta.id
    /// (which must be a UUID v4) and "@DT@" by actual's meta.dt (which must be within a minute of now).
    static void assertEvent(const std::string& expected, const std::string& actual) {
        rapidjson::Document doc;
        doc.Parse(actual.data(), actual.size());
        CPPUNIT_ASSERT_MESSAGE("event is not JSON: " + actual, !doc.HasParseError() && doc.IsObject());
        CPPUNIT_ASSERT_MESSAGE("event has no meta: " + actual, doc.HasMember("meta") && doc["meta"].IsObject());
        const rapidjson::Value& meta = doc["meta"];
        std::string filled = expected;
        if (filled.find("@ID@") != std::string::npos) {
            CPPUNIT_ASSERT_MESSAGE("meta.id missing: " + actual, meta.HasMember("id") && meta["id"].IsString());
            const std::string id = meta["id"].GetString();
            static const std::regex uuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
            CPPUNIT_ASSERT_MESSAGE("meta.id is not a UUID v4: " + id, std::regex_match(id, uuidV4));
            replace(filled, "@ID@", id);
        }
        if (filled.find("@DT@") != std::string::npos) {
            CPPUNIT_ASSERT_MESSAGE("meta.dt missing: " + actual, meta.HasMember("dt") && meta["dt"].IsString());
            const std::string dt = meta["dt"].GetString();
            CPPUNIT_ASSERT_MESSAGE("meta.dt is not recent: " + dt, isRecent(dt));
            replace(filled, "@DT@", dt);
        }
        CPPUNIT_ASSERT_EQUAL(filled, actual);
    }

    /// Runs ../shared/tools/validate-events over the events; reports and passes when it is absent.
    static void assertValid(const std::vector<std::string>& events) {
        const char* shared = std::getenv("EVENTBUS_SHARED_DIR");
        const std::string tool = shared ? std::string(shared) + "/tools/validate-events" : std::string();
        if (tool.empty() || ::access(tool.c_str(), X_OK) != 0) {
            std::cout << "skipped: schema validation needs EVENTBUS_SHARED_DIR/tools/validate-events" << std::endl;
            return;
        }
        char dir[] = "/tmp/eventbus-feeds-XXXXXX";
        CPPUNIT_ASSERT(::mkdtemp(dir) != nullptr);
        const std::string input = std::string(dir) + "/events.jsonl";
        const std::string report = std::string(dir) + "/report.txt";
        {
            std::ofstream out(input, std::ios::binary);
            for (const auto& e : events) out << e << '\n';
        }
        const int status = std::system(("'" + tool + "' '" + input + "' > '" + report + "' 2>&1").c_str());
        std::ifstream reportIn(report);
        std::ostringstream text;
        text << reportIn.rdbuf();
        std::remove(input.c_str());
        std::remove(report.c_str());
        ::rmdir(dir);
        CPPUNIT_ASSERT_MESSAGE("validate-events failed:\n" + text.str(), WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

private:
    static void replace(std::string& s, const std::string& from, const std::string& to) {
        for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
            s.replace(pos, from.size(), to);
    }

    static bool isRecent(const std::string& dt) {
        std::tm tm{};
        if (!::strptime(dt.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) || dt.size() != 20) return false;
        const auto then = std::chrono::system_clock::from_time_t(::timegm(&tm));
        const auto age = std::chrono::system_clock::now() - then;
        return age > -std::chrono::minutes(1) && age < std::chrono::minutes(1);
    }
};

#endif
