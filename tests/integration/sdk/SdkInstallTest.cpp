// The SDK as a third party gets it (issue 10, acceptance 1 and 3): `cmake --install --component sdk`
// into a fresh prefix, the example plugin copied out of the source tree and built against that
// prefix alone, its own FakeHost tests run, and the built module loaded by eventbusd and fed a
// datagram that comes out as an event.
#include "DaemonProcess.h"
#include "TestEnv.h"

#include <cppunit/extensions/HelperMacros.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

struct CommandResult {
    int exitCode = -1;
    std::string output;
};

CommandResult run(const std::string& command) {
    CommandResult r;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::string shellQuoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string tail(const std::string& s, size_t n = 4000) { return s.size() > n ? s.substr(s.size() - n) : s; }

void assertRuns(const std::string& what, const std::string& command) {
    const CommandResult r = run(command);
    CPPUNIT_ASSERT_MESSAGE(what + " failed (exit " + std::to_string(r.exitCode) + "): " + command + "\n" + tail(r.output),
                           r.exitCode == 0);
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

/// One temporary directory for the whole run, holding the prefix and the example's build; removed at exit.
class Workspace {
public:
    Workspace() {
        std::string pattern = (fs::temp_directory_path() / "eventbus-sdk-XXXXXX").string();
        if (::mkdtemp(pattern.data())) _root = pattern;
    }
    ~Workspace() {
        std::error_code ec;
        if (!_root.empty()) fs::remove_all(_root, ec);
    }
    const fs::path& root() const { return _root; }
    fs::path prefix() const { return _root / "prefix"; }

    /// Installs the SDK component once; later calls reuse the prefix.
    void install() {
        if (_installed) return;
        CPPUNIT_ASSERT_MESSAGE("temporary directory", !_root.empty());
        assertRuns("install", std::string(EVENTBUS_CMAKE_COMMAND) + " --install " + shellQuoted(env("EVENTBUS_BUILD_DIR")) +
                                  " --prefix " + shellQuoted(prefix()) + " --component sdk");
        _installed = true;
    }

    /// Copies the example out of the source tree (so nothing can reach the SDK's sources by a
    /// relative path), configures it against the prefix and builds it, once. Returns the build dir.
    fs::path buildExample() {
        const fs::path build = _root / "hello-udp-build";
        if (_built) return build;
        install();
        const fs::path source = _root / "hello-udp";
        fs::copy(fs::path(env("EVENTBUS_SOURCE_DIR")) / "sdk" / "examples" / "hello-udp", source,
                 fs::copy_options::recursive);
        const std::string sanitize = EVENTBUS_SANITIZE_FLAGS;
        std::string configure = std::string(EVENTBUS_CMAKE_COMMAND) + " -S " + shellQuoted(source) + " -B " + shellQuoted(build) +
                                " -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH=" + shellQuoted(prefix()) +
                                " -DCMAKE_INSTALL_PREFIX=" + shellQuoted(_root / "plugin-install");
        if (!sanitize.empty())
            configure += " '-DCMAKE_CXX_FLAGS=" + sanitize + "' '-DCMAKE_EXE_LINKER_FLAGS=" + sanitize +
                         "' '-DCMAKE_MODULE_LINKER_FLAGS=" + sanitize + "'";
        assertRuns("configure the example", configure);
        assertRuns("build the example", std::string(EVENTBUS_CMAKE_COMMAND) + " --build " + shellQuoted(build) + " -j2");
        _built = true;
        return build;
    }

    fs::path find(const std::string& fileName) const {
        for (const auto& e : fs::recursive_directory_iterator(prefix()))
            if (e.path().filename() == fileName) return e.path();
        return {};
    }

private:
    fs::path _root;
    bool _installed = false;
    bool _built = false;
};

Workspace& workspace() {
    static Workspace w;
    return w;
}

} // namespace

class SdkInstallTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SdkInstallTest);
    CPPUNIT_TEST(testInstallsOnlyTheSdk);
    CPPUNIT_TEST(testPkgConfigBuildsAProgram);
    CPPUNIT_TEST(testExampleBuildsOutOfTreeAndPassesItsTests);
    CPPUNIT_TEST(testExamplePluginDeliversThroughTheDaemon);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override {
        CPPUNIT_ASSERT_MESSAGE("EVENTBUS_BUILD_DIR is set by CTest", !env("EVENTBUS_BUILD_DIR").empty());
        workspace().install();
    }

    void testInstallsOnlyTheSdk() {
        const fs::path include = workspace().prefix() / "include" / "eventbus";
        for (const char* header : {"plugin.h", "plugin.hpp", "PhpJson.h", "Envelope.h", "Url.h", "FakeHost.hpp"})
            CPPUNIT_ASSERT_MESSAGE(header, fs::exists(include / header));
        CPPUNIT_ASSERT(!workspace().find("libeventbus_sdk.a").empty());
        CPPUNIT_ASSERT(!workspace().find("EventBusSDKConfig.cmake").empty());
        CPPUNIT_ASSERT(!workspace().find("EventBusSDKConfigVersion.cmake").empty());
        CPPUNIT_ASSERT(!workspace().find("eventbus-sdk.pc").empty());
        // The daemon and its plugins belong to other components.
        CPPUNIT_ASSERT(workspace().find("eventbusd").empty());
        CPPUNIT_ASSERT(!fs::exists(workspace().prefix() / "bin"));
    }

    void testPkgConfigBuildsAProgram() {
        const fs::path pc = workspace().find("eventbus-sdk.pc");
        CPPUNIT_ASSERT(!pc.empty());
        const fs::path dir = workspace().root() / "pkgconfig-user";
        fs::create_directories(dir);
        std::ofstream(dir / "main.cpp") << "#include <eventbus/PhpJson.h>\n"
                                           "#include <eventbus/Url.h>\n"
                                           "#include <iostream>\n"
                                           "int main() {\n"
                                           "    rapidjson::Document d;\n"
                                           "    d.Parse(\"{\\\"u\\\":\\\"/a\\\",\\\"f\\\":1e25}\");\n"
                                           "    std::cout << eventbus::json::encode(d) << eventbus::wfUrlencode(\" x\");\n"
                                           "}\n";
        const std::string pkgConfig = "PKG_CONFIG_PATH=" + shellQuoted(pc.parent_path()) + " pkg-config";
        const CommandResult version = run(pkgConfig + " --modversion eventbus-sdk");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(version.output, 0, version.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("1.0.0\n"), version.output);
        assertRuns("compile with pkg-config flags",
                   std::string(EVENTBUS_CXX_COMPILER) + " -std=c++17 " EVENTBUS_SANITIZE_FLAGS " " + shellQuoted(dir / "main.cpp") +
                       " -o " + shellQuoted(dir / "main") + " $(" + pkgConfig + " --cflags --libs eventbus-sdk)");
        const CommandResult out = run(shellQuoted(dir / "main"));
        CPPUNIT_ASSERT_EQUAL(0, out.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"u\":\"/a\",\"f\":1.0e+25}+x"), out.output);
    }

    void testExampleBuildsOutOfTreeAndPassesItsTests() {
        const fs::path build = workspace().buildExample();
        const CommandResult tests =
            run("cd " + shellQuoted(build) + " && " + EVENTBUS_CTEST_COMMAND + " --output-on-failure");
        CPPUNIT_ASSERT_MESSAGE(tail(tests.output), tests.exitCode == 0);
        CPPUNIT_ASSERT_MESSAGE(tests.output, tests.output.find("100% tests passed, 0 tests failed out of 2") != std::string::npos);

        assertRuns("install the example", std::string(EVENTBUS_CMAKE_COMMAND) + " --install " + shellQuoted(build));
        bool installed = false;
        for (const auto& e : fs::recursive_directory_iterator(workspace().root() / "plugin-install"))
            installed = installed || (e.path().filename() == "hello-udp.so" &&
                                      e.path().parent_path().filename() == "plugins");
        CPPUNIT_ASSERT_MESSAGE("hello-udp.so installed under <libdir>/eventbus/plugins", installed);
    }

    void testExamplePluginDeliversThroughTheDaemon() {
        const fs::path module = workspace().buildExample() / "hello-udp.so";
        eventbus::test::ScratchDir dir("eventbus-sdk-daemon");
        const fs::path plugins = fs::path(dir.path()) / "plugins";
        fs::create_directories(plugins);
        fs::permissions(plugins, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec);
        fs::copy_file(module, plugins / "hello-udp.so");
        const uint16_t udpPort = eventbus::test::freeUdpPort();
        const std::string config = dir.file("eventbusd.properties");
        eventbus::test::writeFile(config, "eventbusd.plugin_dir = " + plugins.string() + "\n"
                                          "eventbusd.state_dir = " + dir.path() + "\n"
                                          "ingress.http.listen = 127.0.0.1:" + std::to_string(eventbus::test::freeTcpPort()) + "\n"
                                          "service.local.url = file:events.jsonl\n"
                                          "service.local.linger_ms = 5\n"
                                          "plugin.hello-udp.enabled = true\n"
                                          "plugin.hello-udp.listen = 127.0.0.1:" + std::to_string(udpPort) + "\n");
        eventbus::test::DaemonProcess daemon(config);
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), daemon.waitForLog("started with 1 plugin", std::chrono::seconds(10)));

        const std::string output = dir.file("events.jsonl");
        // UDP may drop a datagram; resend until one arrives, within a deadline.
        const bool delivered = eventbus::test::waitUntil(
            [&] {
                if (!eventbus::test::readLines(output).empty()) return true;
                eventbus::test::sendUdp(udpPort, "test.event hello from the SDK");
                return false;
            },
            std::chrono::seconds(10));
        CPPUNIT_ASSERT_MESSAGE(daemon.log(), delivered);
        const std::string line = eventbus::test::readLines(output).at(0);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("\"$schema\":\"/test/event/1.0.0\"") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("\"stream\":\"test.event\"") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(line, line.find("\"test\":\"hello from the SDK\"") != std::string::npos);
        if (eventbus::test::haveShared()) {
            const int rc = eventbus::test::runCommand(
                shellQuoted(fs::path(eventbus::test::sharedDir()) / "tools" / "validate-events") + " " + shellQuoted(output));
            CPPUNIT_ASSERT_EQUAL_MESSAGE(line, 0, rc);
        }
        CPPUNIT_ASSERT_EQUAL_MESSAGE(daemon.log(), 0, daemon.stop(SIGTERM, std::chrono::seconds(5)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdkInstallTest);
