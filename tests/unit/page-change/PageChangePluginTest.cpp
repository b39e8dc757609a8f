// The page-change module as the host loads it (through FakeHost): its keys, its 19 routes on the
// shared HTTP server, its answers (201 with the event ids, 400 naming the field) and the
// stream-name map applied to page_change and user_change but not to the legacy streams.
#include "PageChangeFixtures.h"

#include "eventbus/FakeHost.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

using namespace pagechangetest;
using eventbus::testing::DecodeOutcome;
using eventbus::testing::FakeHost;
using eventbus::testing::InputContext;
using eventbus::testing::PluginLibrary;

namespace {

const std::map<std::string, std::string> kEnwiki = {
    {"server_name", "en.wikipedia.org"},
    {"canonical_server", "https://en.wikipedia.org"},
    {"database", "enwiki"},
};

std::map<std::string, std::string> enwikiConfig()
{
    return kEnwiki;
}

} // namespace

class PageChangePluginTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(PageChangePluginTest);
    CPPUNIT_TEST(testDescriptor);
    CPPUNIT_TEST(testRoutes);
    CPPUNIT_TEST(testRoutePrefix);
    CPPUNIT_TEST(testBadConfigurationIsRefused);
    CPPUNIT_TEST(testEveryFixtureIsAnswered201);
    CPPUNIT_TEST(testBadPayloadIsAnswered400);
    CPPUNIT_TEST(testRequestIdHeader);
    CPPUNIT_TEST(testStreamNameMap);
    CPPUNIT_TEST(testConcurrentDecodes);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override { _library = std::make_unique<PluginLibrary>(modulePath()); }
    void tearDown() override { _library.reset(); }

    void testDescriptor()
    {
        FakeHost host(_library->descriptor(), enwikiConfig());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("page-change"), std::string(host.descriptor().name));
        CPPUNIT_ASSERT_EQUAL(std::string("/eventbus/v0"), host.config("route_prefix"));
        CPPUNIT_ASSERT_EQUAL(std::string("/wiki/$1"), host.config("article_path"));
        CPPUNIT_ASSERT_EQUAL(std::string("0"), host.config("content_namespaces"));
    }

    void testRoutes()
    {
        FakeHost host(_library->descriptor(), enwikiConfig());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(PageChangeDecoder::routeNames().size(), host.listeners().size());
        CPPUNIT_ASSERT_EQUAL(size_t(19), host.listeners().size());
        const auto* purge = host.listener("hooks/article-purge");
        CPPUNIT_ASSERT(purge);
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_HTTP), purge->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("/eventbus/v0/hooks/article-purge"), purge->route);
        CPPUNIT_ASSERT(purge->address.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), purge->methods);
        CPPUNIT_ASSERT_EQUAL(size_t(1048576), purge->maxMessageBytes);
        CPPUNIT_ASSERT_EQUAL(std::string("/eventbus/v0/page-change/page-moved"), host.listener("page-change/page-moved")->route);
        CPPUNIT_ASSERT_EQUAL(std::string("/eventbus/v0/user-change/user-groups-changed"),
                             host.listener("user-change/user-groups-changed")->route);
    }

    void testRoutePrefix()
    {
        auto config = enwikiConfig();
        config["route_prefix"] = "/mw/";
        FakeHost host(_library->descriptor(), config);
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("/mw/hooks/article-purge"), host.listener("hooks/article-purge")->route);
    }

    void testBadConfigurationIsRefused()
    {
        for (const auto& [key, value] : std::map<std::string, std::string>{
                 {"content_namespaces", "0,x"}, {"article_path", "/wiki/"}, {"route_prefix", "eventbus"}}) {
            auto config = enwikiConfig();
            config[key] = value;
            FakeHost host(_library->descriptor(), config);
            CPPUNIT_ASSERT_MESSAGE(key, !host.start());
            CPPUNIT_ASSERT_MESSAGE(host.error(), host.error().find(key) != std::string::npos);
        }
    }

    void testEveryFixtureIsAnswered201()
    {
        FakeHost host(_library->descriptor(), enwikiConfig());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        for (const std::string& route : PageChangeDecoder::routeNames()) {
            DecodeOutcome out = host.decode(route, fixture(route), http(route));
            CPPUNIT_ASSERT_MESSAGE(route + ": " + out.message, out.ok());
            CPPUNIT_ASSERT(!out.events.empty());
            CPPUNIT_ASSERT_EQUAL(201, out.http.status);
            CPPUNIT_ASSERT(out.http.body.find(out.events[0].id) != std::string::npos);
            for (const auto& event : out.events) {
                CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_EVENT), event.type);
                auto doc = parsed(event.json);
                CPPUNIT_ASSERT_EQUAL(event.stream, std::string(doc["meta"]["stream"].GetString()));
                CPPUNIT_ASSERT_EQUAL(event.id, std::string(doc["meta"]["id"].GetString()));
                CPPUNIT_ASSERT(doc["meta"]["dt"].IsString());
            }
        }
    }

    void testBadPayloadIsAnswered400()
    {
        FakeHost host(_library->descriptor(), enwikiConfig());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        DecodeOutcome out = host.decode("hooks/article-purge", R"({"page":{"title":"X"}})", http("hooks/article-purge"));
        CPPUNIT_ASSERT(out.rejected());
        CPPUNIT_ASSERT(out.events.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("invalid_payload"), out.reason);
        CPPUNIT_ASSERT_EQUAL(400, out.http.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"error":"page.page_id: missing"})"), out.http.body);
        out = host.decode("hooks/article-purge", "not json", http("hooks/article-purge"));
        CPPUNIT_ASSERT_EQUAL(std::string("malformed_json"), out.reason);
        CPPUNIT_ASSERT_EQUAL(400, out.http.status);
    }

    void testRequestIdHeader()
    {
        FakeHost host(_library->descriptor(), enwikiConfig());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        InputContext context = http("hooks/article-purge");
        context.headers.push_back({"x-request-id", "req-from-header"});
        DecodeOutcome out = host.decode("hooks/article-purge", edited(fixture("hooks/article-purge"), {{"/request_id", "<remove>"}}), context);
        CPPUNIT_ASSERT(out.ok());
        CPPUNIT_ASSERT(out.events.at(0).json.find("\"request_id\":\"req-from-header\"") != std::string::npos);
    }

    void testStreamNameMap()
    {
        FakeHost host(_library->descriptor(), enwikiConfig());
        host.mapStream("mediawiki.page_change.v1", "eqiad.page_change");
        host.mapStream("mediawiki.user_change.v1", "eqiad.user_change");
        host.mapStream("resource_change", "never.used");
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        const std::string latest = "page-change/page-latest-revision-changed";
        CPPUNIT_ASSERT_EQUAL(std::string("eqiad.page_change"), host.decode(latest, fixture(latest), http(latest)).events.at(0).stream);
        const std::string created = "user-change/local-user-created";
        CPPUNIT_ASSERT_EQUAL(std::string("eqiad.user_change"), host.decode(created, fixture(created), http(created)).events.at(0).stream);
        CPPUNIT_ASSERT_EQUAL(std::string("resource_change"),
                             host.decode("hooks/article-purge", fixture("hooks/article-purge"), http("hooks/article-purge")).events.at(0).stream);
    }

    void testConcurrentDecodes()
    {
        FakeHost host(_library->descriptor(), enwikiConfig());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        std::vector<std::pair<std::string, std::string>> inputs;
        for (const std::string& route : PageChangeDecoder::routeNames()) inputs.push_back({route, fixture(route)});
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 100; ++i) {
                    const auto& [route, body] = inputs[(i + t) % inputs.size()];
                    if (!host.decode(route, body, http(route)).ok()) ++failures;
                }
            });
        for (auto& thread : threads) thread.join();
        CPPUNIT_ASSERT_EQUAL(0, failures.load());
    }

private:
    static InputContext http(const std::string& route)
    {
        InputContext context;
        context.uri = "/eventbus/v0/" + route;
        context.contentType = "application/json";
        return context;
    }

    static std::string modulePath()
    {
        const char* build = std::getenv("EVENTBUS_BUILD_DIR");
        CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is not set (run through ctest)", build != nullptr);
        return std::string(build) + "/plugins/page-change.so";
    }

    std::unique_ptr<PluginLibrary> _library;
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageChangePluginTest);
