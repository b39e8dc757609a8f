#include "eventbus/FakeHost.hpp"
#include "eventbus/plugin.hpp"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

using eventbus::testing::FakeHost;
using eventbus::testing::InputContext;
using eventbus::testing::PluginLibrary;

namespace {

/// A plugin whose behaviour is chosen by the input text, to drive every path of the fake host.
class ScriptedPlugin : public eventbus::Plugin {
public:
    explicit ScriptedPlugin(eventbus::Host& host) : Plugin(host) {
        host.addUdp("udp", host.config("listen"));
        host.addHttpRoute("http", host.config("route").c_str(), "POST");
        host.registerJobExecutor("echo", &ScriptedPlugin::echoJob, nullptr);
        host.log(EB_LOG_INFO, "created with limit " + std::to_string(host.configInt("limit")));
        _stream = host.resolveStream("test.event");
    }

    eventbus::Status decode(const eventbus::Input& in, eventbus::Sink& out) override {
        const std::string data(in.data());
        if (data == "two") {
            emit(out, "id-1");
            emit(out, "id-2");
            return eventbus::Status::Ok;
        }
        if (data == "reject") return out.reject("bad_input", "input is bad");
        if (data == "partial") {
            emit(out, "id-1");
            return out.reject("late_error", "second half is bad");
        }
        if (data == "no-id") {
            out.emit(EB_TYPE_EVENT, _stream, "", "{}");
            return eventbus::Status::Ok;
        }
        if (data == "fail") return eventbus::Status::Failed;
        if (data == "throw") throw std::runtime_error("boom");
        if (data == "respond") {
            emit(out, "id-1");
            out.respond(202, "text/plain", "accepted");
            return eventbus::Status::Ok;
        }
        if (data == "context") {
            const std::string json = "{\"peer\":\"" + std::string(in.peerAddress()) + ":" +
                                     std::to_string(in.peerPort()) + "\",\"method\":\"" + std::string(in.method()) +
                                     "\",\"uri\":\"" + std::string(in.uri()) + "\",\"ct\":\"" +
                                     std::string(in.contentType()) + "\",\"h\":\"" + std::string(in.header("x-test")) +
                                     "\",\"listener\":\"" + std::string(in.listener()) + "\"}";
            out.emit(EB_TYPE_EVENT, _stream, "ctx", json);
            return eventbus::Status::Ok;
        }
        return out.reject("unknown_command", "unknown command " + data);
    }

private:
    void emit(eventbus::Sink& out, const std::string& id) const {
        out.emit(EB_TYPE_EVENT, _stream, id, "{\"meta\":{\"id\":\"" + id + "\"}}");
    }

    static int echoJob(void*, const char* json, size_t len, const eb_job_reply* reply) {
        reply->reply(reply->ctx, 200, json, len);
        return 0;
    }

    std::string _stream;
};

const eb_config_key kKeys[] = {
    {"listen", EB_CFG_ADDRESS, "127.0.0.1:9999", "UDP address"},
    {"route", EB_CFG_STRING, "/v1/test", "HTTP route"},
    {"limit", EB_CFG_INT, "10", "a number"},
    {"verbose", EB_CFG_BOOL, "false", "a flag"},
    {"token", EB_CFG_SECRET, nullptr, "required secret"},
};

std::string modulePath(const char* name) {
    const char* build = std::getenv("EVENTBUS_BUILD_DIR");
    return std::string(build ? build : ".") + "/tests/plugins/" + name + ".so";
}

} // namespace

EVENTBUS_PLUGIN(ScriptedPlugin, "scripted", "1.0.0", "FakeHost test plugin", kKeys)

class FakeHostTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(FakeHostTest);
    CPPUNIT_TEST(testStartAppliesDefaultsAndRecords);
    CPPUNIT_TEST(testConfigErrors);
    CPPUNIT_TEST(testEmitsEvents);
    CPPUNIT_TEST(testRejectDiscardsEvents);
    CPPUNIT_TEST(testRefusedEmitRejects);
    CPPUNIT_TEST(testFailureDisablesPlugin);
    CPPUNIT_TEST(testThrowingDecodeFails);
    CPPUNIT_TEST(testHttpAnswers);
    CPPUNIT_TEST(testInputContext);
    CPPUNIT_TEST(testStreamMap);
    CPPUNIT_TEST(testJobExecutor);
    CPPUNIT_TEST(testConcurrentDecode);
    CPPUNIT_TEST(testUnknownListener);
    CPPUNIT_TEST(testOlderMinorModuleLoads);
    CPPUNIT_TEST(testOtherMajorRefused);
    CPPUNIT_TEST_SUITE_END();

public:
    void testStartAppliesDefaultsAndRecords() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "s3cret"}, {"limit", "42"}});
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("1.0"), host.pluginAbi());
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:9999"), host.config("listen"));
        CPPUNIT_ASSERT_EQUAL(std::string("42"), host.config("limit"));
        CPPUNIT_ASSERT_EQUAL(size_t(2), host.listeners().size());
        CPPUNIT_ASSERT_EQUAL(int(EB_LISTEN_UDP), host.listener("udp")->kind);
        CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1:9999"), host.listener("udp")->address);
        CPPUNIT_ASSERT_EQUAL(std::string("/v1/test"), host.listener("http")->route);
        CPPUNIT_ASSERT_EQUAL(size_t(1), host.jobExecutors().size());
        CPPUNIT_ASSERT(host.logged("created with limit 42", EB_LOG_INFO));
    }

    void testConfigErrors() {
        FakeHost missing(eventbus_plugin_entry());
        CPPUNIT_ASSERT(!missing.start());
        CPPUNIT_ASSERT(missing.error().find("plugin.scripted.token") != std::string::npos);

        FakeHost unknown(eventbus_plugin_entry(), {{"token", "x"}, {"colour", "blue"}});
        CPPUNIT_ASSERT(!unknown.start());
        CPPUNIT_ASSERT(unknown.error().find("plugin.scripted.colour: unknown") != std::string::npos);

        FakeHost badInt(eventbus_plugin_entry(), {{"token", "x"}, {"limit", "ten"}});
        CPPUNIT_ASSERT(!badInt.start());
        CPPUNIT_ASSERT(badInt.error().find("plugin.scripted.limit") != std::string::npos);

        FakeHost badBool(eventbus_plugin_entry(), {{"token", "x"}, {"verbose", "maybe"}});
        CPPUNIT_ASSERT(!badBool.start());

        FakeHost badAddress(eventbus_plugin_entry(), {{"token", "x"}, {"listen", "nowhere"}});
        CPPUNIT_ASSERT(!badAddress.start());

        FakeHost badRoute(eventbus_plugin_entry(), {{"token", "x"}, {"route", "no-slash"}});
        CPPUNIT_ASSERT(!badRoute.start());
        CPPUNIT_ASSERT(badRoute.error().find("create failed: listener refused: http") != std::string::npos);
        CPPUNIT_ASSERT(badRoute.logged("needs a route", EB_LOG_ERROR));
    }

    void testEmitsEvents() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        auto r = host.decode("udp", "two");
        CPPUNIT_ASSERT(r.ok());
        CPPUNIT_ASSERT_EQUAL(size_t(2), r.events.size());
        CPPUNIT_ASSERT_EQUAL(std::string("id-2"), r.events[1].id);
        CPPUNIT_ASSERT_EQUAL(std::string("test.event"), r.events[0].stream);
        CPPUNIT_ASSERT_EQUAL(int(EB_TYPE_EVENT), r.events[0].type);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"meta\":{\"id\":\"id-1\"}}"), r.events[0].json);
        CPPUNIT_ASSERT(r.reason.empty());
        CPPUNIT_ASSERT_EQUAL(0, r.http.status); // not an HTTP listener
    }

    void testRejectDiscardsEvents() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        auto r = host.decode("udp", "reject");
        CPPUNIT_ASSERT(r.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("bad_input"), r.reason);
        CPPUNIT_ASSERT_EQUAL(std::string("input is bad"), r.message);
        auto partial = host.decode("udp", "partial");
        CPPUNIT_ASSERT(partial.rejected());
        CPPUNIT_ASSERT(partial.events.empty());
        CPPUNIT_ASSERT_EQUAL(size_t(1), partial.discardedEvents);
        CPPUNIT_ASSERT_EQUAL(std::string("late_error"), partial.reason);
        CPPUNIT_ASSERT(!host.disabled());
    }

    void testRefusedEmitRejects() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        auto r = host.decode("udp", "no-id");
        CPPUNIT_ASSERT(r.rejected()); // decode returned Ok, but the host refused its event
        CPPUNIT_ASSERT_EQUAL(std::string("missing_id"), r.reason);
        CPPUNIT_ASSERT_EQUAL(size_t(1), r.rejections.size());
    }

    void testFailureDisablesPlugin() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        auto r = host.decode("udp", "fail");
        CPPUNIT_ASSERT(r.failed());
        CPPUNIT_ASSERT_EQUAL(std::string("plugin_failed"), r.reason);
        CPPUNIT_ASSERT(host.disabled());
        auto after = host.decode("udp", "two");
        CPPUNIT_ASSERT(after.rejected());
        CPPUNIT_ASSERT_EQUAL(std::string("plugin_disabled"), after.reason);
    }

    void testThrowingDecodeFails() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        auto r = host.decode("udp", "throw");
        CPPUNIT_ASSERT(r.failed());
        CPPUNIT_ASSERT(host.logged("decode threw: boom", EB_LOG_ERROR));
    }

    void testHttpAnswers() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        auto ok = host.decode("http", "two");
        CPPUNIT_ASSERT_EQUAL(201, ok.http.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"ids\":[\"id-1\",\"id-2\"]}"), ok.http.body);
        auto bad = host.decode("http", "reject");
        CPPUNIT_ASSERT_EQUAL(400, bad.http.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"error\":\"input is bad\"}"), bad.http.body);
        auto responded = host.decode("http", "respond");
        CPPUNIT_ASSERT(responded.responded);
        CPPUNIT_ASSERT_EQUAL(202, responded.http.status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), responded.http.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("accepted"), responded.http.body);
        auto failed = host.decode("http", "fail");
        CPPUNIT_ASSERT_EQUAL(500, failed.http.status);
    }

    void testInputContext() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        InputContext ctx;
        ctx.peerAddress = "10.0.0.7";
        ctx.peerPort = 1234;
        ctx.method = "POST";
        ctx.uri = "/v1/test?x=1";
        ctx.contentType = "application/json";
        ctx.headers = {{"X-Test", "yes"}};
        auto r = host.decode("http", "context", ctx);
        CPPUNIT_ASSERT(r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("{\"peer\":\"10.0.0.7:1234\",\"method\":\"POST\",\"uri\":\"/v1/test?x=1\","
                                         "\"ct\":\"application/json\",\"h\":\"yes\",\"listener\":\"http\"}"),
                             r.events.at(0).json);
        // A UDP input carries no HTTP context, as from the host.
        auto udp = host.decode("udp", "context", ctx);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"peer\":\"10.0.0.7:1234\",\"method\":\"\",\"uri\":\"\",\"ct\":\"\","
                                         "\"h\":\"\",\"listener\":\"udp\"}"),
                             udp.events.at(0).json);
    }

    void testStreamMap() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        host.mapStream("test.event", "renamed.event");
        CPPUNIT_ASSERT(host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("renamed.event"), host.decode("udp", "two").events.at(0).stream);
    }

    void testJobExecutor() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        auto r = host.runJob("echo", "{\"type\":\"echo\"}");
        CPPUNIT_ASSERT(r.found);
        CPPUNIT_ASSERT(r.replied);
        CPPUNIT_ASSERT_EQUAL(200, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"type\":\"echo\"}"), r.body);
        CPPUNIT_ASSERT(!host.runJob("other", "{}").found);
    }

    void testConcurrentDecode() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT(host.start());
        std::atomic<int> good{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 200; ++i)
                    if (host.decode("udp", "two").events.size() == 2) ++good;
            });
        for (auto& t : threads) t.join();
        CPPUNIT_ASSERT_EQUAL(800, good.load());
    }

    void testUnknownListener() {
        FakeHost host(eventbus_plugin_entry(), {{"token", "x"}});
        CPPUNIT_ASSERT_THROW(host.decode("udp", "two"), std::logic_error); // not started
        CPPUNIT_ASSERT(host.start());
        CPPUNIT_ASSERT_THROW(host.decode("tcp", "two"), std::logic_error);
    }

    void testOlderMinorModuleLoads() {
        PluginLibrary lib(modulePath("abi-test-plugin-minor"));
        FakeHost host(lib.descriptor());
        CPPUNIT_ASSERT_MESSAGE(host.error(), host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("1.0"), host.pluginAbi());
        CPPUNIT_ASSERT_EQUAL(std::string("abi-test-minor"), std::string(host.descriptor().name));
        auto r = host.decode("in", "x");
        CPPUNIT_ASSERT(r.ok());
        CPPUNIT_ASSERT_EQUAL(std::string("00000000-0000-4000-8000-0000000000a1"), r.events.at(0).id);
    }

    void testOtherMajorRefused() {
        PluginLibrary lib(modulePath("abi-test-plugin-major2"));
        FakeHost host(lib.descriptor());
        CPPUNIT_ASSERT(!host.start());
        CPPUNIT_ASSERT_EQUAL(std::string("refused: plugin ABI 2.0 but host ABI 1.0 (the major version must match; "
                                         "rebuild the plugin against this SDK)"),
                             host.error());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FakeHostTest);
