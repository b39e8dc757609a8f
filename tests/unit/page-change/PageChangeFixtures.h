// What the page-change tests share: the example payloads of tests/fixtures/page-change, the wiki
// they describe, whole-event comparison with meta.id (and a "now" meta.dt) normalised, and the
// shared schema validator.
#ifndef EVENTBUS_TESTS_PAGECHANGEFIXTURES_H
#define EVENTBUS_TESTS_PAGECHANGEFIXTURES_H

#include "PageChangeDecoder.h"
#include "WikiSettings.h"

#include "eventbus/PhpJson.h"

#include <cppunit/extensions/HelperMacros.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pagechangetest {

using eventbus::pagechange::PageChangeDecoder;
using eventbus::pagechange::WikiSettings;

inline WikiSettings enwiki()
{
    WikiSettings wiki;
    wiki.serverName = "en.wikipedia.org";
    wiki.canonicalServer = "https://en.wikipedia.org";
    wiki.database = "enwiki";
    return wiki;
}

inline PageChangeDecoder decoder()
{
    return PageChangeDecoder(enwiki(), "mediawiki.page_change.v1", "mediawiki.user_change.v1");
}

inline std::string sourceDir()
{
    const char* dir = std::getenv("EVENTBUS_SOURCE_DIR");
    return dir ? dir : ".";
}

/// The example payload of a route, e.g. "hooks/article-purge".
inline std::string fixture(const std::string& route)
{
    std::string name = route;
    name.replace(name.find('/'), 1, "__");
    std::ifstream in(sourceDir() + "/tests/fixtures/page-change/" + name + ".json");
    CPPUNIT_ASSERT_MESSAGE("missing fixture for " + route, in.good());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A fixture with some members replaced or removed: edits maps a JSON pointer ("/page/title") to
/// a JSON value, or to "<remove>".
inline std::string edited(const std::string& json, const std::vector<std::pair<std::string, std::string>>& edits)
{
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    CPPUNIT_ASSERT(!doc.HasParseError());
    for (const auto& [pointer, value] : edits) {
        rapidjson::Pointer p(pointer.c_str());
        if (value == "<remove>") {
            p.Erase(doc);
            continue;
        }
        rapidjson::Document v;
        v.Parse(value.c_str());
        CPPUNIT_ASSERT_MESSAGE("bad edit value " + value, !v.HasParseError());
        p.Set(doc, rapidjson::Value(v, doc.GetAllocator()));
    }
    return eventbus::json::encode(doc);
}

/// The event with meta.id replaced by "<id>" after checking it is a UUID v4; with nowDt, meta.dt
/// (and a top-level dt equal to it) becomes "<now>" after checking its form.
inline std::string normalised(const std::string& json, bool nowDt = false)
{
    static const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    static const std::regex dt("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$");
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    CPPUNIT_ASSERT_MESSAGE("not JSON: " + json, !doc.HasParseError() && doc.IsObject() && doc.HasMember("meta"));
    rapidjson::Value& meta = doc["meta"];
    CPPUNIT_ASSERT_MESSAGE("meta.id: " + json, meta.HasMember("id") && std::regex_match(meta["id"].GetString(), uuid));
    meta["id"].SetString("<id>");
    CPPUNIT_ASSERT_MESSAGE("meta.dt: " + json, meta.HasMember("dt") && std::regex_match(meta["dt"].GetString(), dt));
    if (nowDt) {
        if (doc.HasMember("dt") && doc["dt"] == meta["dt"]) doc["dt"].SetString("<now>");
        meta["dt"].SetString("<now>");
    }
    return eventbus::json::encode(doc);
}

inline std::string sharedDir()
{
    const char* dir = std::getenv("EVENTBUS_SHARED_DIR");
    struct stat st {};
    if (!dir || !*dir || ::stat((std::string(dir) + "/tools/validate-events").c_str(), &st) != 0) return "";
    return dir;
}

/// Runs the shared validator over events (JSON lines). Returns false with output when invalid;
/// true with a printed notice when the shared folder is absent.
inline bool validatedBySharedSchemas(const std::vector<std::string>& events, std::string& output)
{
    const std::string shared = sharedDir();
    if (shared.empty()) {
        std::cout << "SKIPPED schema validation: EVENTBUS_SHARED_DIR is absent\n";
        return true;
    }
    char path[] = "/tmp/pagechange-events-XXXXXX";
    int fd = ::mkstemp(path);
    CPPUNIT_ASSERT(fd >= 0);
    std::string body;
    for (const auto& e : events) body += e + "\n";
    CPPUNIT_ASSERT(::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()));
    ::close(fd);
    const std::string command = shared + "/tools/validate-events " + path + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    CPPUNIT_ASSERT(pipe);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    int status = ::pclose(pipe);
    ::unlink(path);
    return status == 0;
}

/// Decodes a route's body and returns its events' JSON; fails the test on a rejection.
inline std::vector<std::string> eventsOf(const std::string& route, const std::string& body)
{
    eventbus::pagechange::DecodeResult r = decoder().decode(route, body, "");
    CPPUNIT_ASSERT_MESSAGE(route + " rejected: " + r.rejectMessage, r.ok());
    std::vector<std::string> out;
    for (const auto& e : r.events) out.push_back(e.json);
    return out;
}

inline rapidjson::Document parsed(const std::string& json)
{
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    CPPUNIT_ASSERT(!doc.HasParseError());
    return doc;
}

} // namespace pagechangetest

#endif
