// Configuration files: the input is written as the main properties file of a private folder and
// read by Config::load, which must report problems, never throw or crash. The folder has an empty
// conf.d so the input's own eventbusd.conf_dir is the only way to other drop-ins.
#include "Config.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

std::string scratchFolder()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "eventbus-config-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    std::filesystem::create_directory(pattern + "/conf.d");
    return pattern;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::string folder = scratchFolder();
    static const std::string mainFile = folder + "/eventbusd.properties";
    static const int cleanup = std::atexit([] { std::filesystem::remove_all(folder); });
    (void)cleanup;
    std::FILE* f = std::fopen(mainFile.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    std::vector<eventbus::ConfigProblem> problems;
    eventbus::Config::load(mainFile, problems);
    for (const auto& p : problems) p.str();
    return 0;
}
