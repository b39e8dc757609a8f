// The SDK as a third party gets it: `cmake --install --component sdk` into a fresh prefix, then
// the example plugin copied out of the source tree and built against that prefix alone.
#include <cppunit/extensions/HelperMacros.h>

#include <array>
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

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

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
        assertRuns("install", std::string(EVENTBUS_CMAKE_COMMAND) + " --install " + quoted(fs::path(env("EVENTBUS_BUILD_DIR"))) +
                                  " --prefix " + quoted(prefix()) + " --component sdk");
        _installed = true;
    }

    fs::path find(const std::string& fileName) const {
        for (const auto& e : fs::recursive_directory_iterator(prefix()))
            if (e.path().filename() == fileName) return e.path();
        return {};
    }

private:
    fs::path _root;
    bool _installed = false;
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
        const std::string pkgConfig = "PKG_CONFIG_PATH=" + quoted(pc.parent_path()) + " pkg-config";
        const CommandResult version = run(pkgConfig + " --modversion eventbus-sdk");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(version.output, 0, version.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("1.0.0\n"), version.output);
        assertRuns("compile with pkg-config flags",
                   std::string(EVENTBUS_CXX_COMPILER) + " -std=c++17 " EVENTBUS_SANITIZE_FLAGS " " + quoted(dir / "main.cpp") +
                       " -o " + quoted(dir / "main") + " $(" + pkgConfig + " --cflags --libs eventbus-sdk)");
        const CommandResult out = run(quoted(dir / "main"));
        CPPUNIT_ASSERT_EQUAL(0, out.exitCode);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"u\":\"/a\",\"f\":1.0e+25}+x"), out.output);
    }

    void testExampleBuildsOutOfTreeAndPassesItsTests() {
        // A copy, so nothing can reach the SDK's sources by a relative path.
        const fs::path source = workspace().root() / "hello-udp";
        fs::copy(fs::path(env("EVENTBUS_SOURCE_DIR")) / "sdk" / "examples" / "hello-udp", source,
                 fs::copy_options::recursive);
        const fs::path build = workspace().root() / "hello-udp-build";
        const std::string sanitize = EVENTBUS_SANITIZE_FLAGS;
        std::string configure = std::string(EVENTBUS_CMAKE_COMMAND) + " -S " + quoted(source) + " -B " + quoted(build) +
                                " -DCMAKE_BUILD_TYPE=Debug -DCMAKE_PREFIX_PATH=" + quoted(workspace().prefix()) +
                                " -DCMAKE_INSTALL_PREFIX=" + quoted(workspace().root() / "plugin-install");
        if (!sanitize.empty())
            configure += " '-DCMAKE_CXX_FLAGS=" + sanitize + "' '-DCMAKE_EXE_LINKER_FLAGS=" + sanitize +
                         "' '-DCMAKE_MODULE_LINKER_FLAGS=" + sanitize + "'";
        assertRuns("configure the example", configure);
        assertRuns("build the example", std::string(EVENTBUS_CMAKE_COMMAND) + " --build " + quoted(build) + " -j2");
        const CommandResult tests =
            run("cd " + quoted(build) + " && " + EVENTBUS_CTEST_COMMAND + " --output-on-failure");
        CPPUNIT_ASSERT_MESSAGE(tail(tests.output), tests.exitCode == 0);
        CPPUNIT_ASSERT_MESSAGE(tests.output, tests.output.find("100% tests passed, 0 tests failed out of 2") != std::string::npos);

        assertRuns("install the example", std::string(EVENTBUS_CMAKE_COMMAND) + " --install " + quoted(build));
        bool installed = false;
        for (const auto& e : fs::recursive_directory_iterator(workspace().root() / "plugin-install"))
            installed = installed || (e.path().filename() == "hello-udp.so" &&
                                      e.path().parent_path().filename() == "plugins");
        CPPUNIT_ASSERT_MESSAGE("hello-udp.so installed under <libdir>/eventbus/plugins", installed);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdkInstallTest);
