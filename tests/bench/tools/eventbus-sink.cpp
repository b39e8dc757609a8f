// eventbus-sink: a fast EventGate-compatible intake for benchmarks (see SinkServer.h).
//   eventbus-sink [--listen 127.0.0.1:0] [--port-file FILE] [--summary FILE]
// Prints "listening on HOST:PORT" once ready; on SIGTERM or SIGINT writes the statistics as JSON
// to the summary file (or standard output) and exits 0.
#include "SinkServer.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

namespace {

volatile sig_atomic_t stopRequested = 0;

void requestStop(int)
{
    stopRequested = 1;
}

int usage(const char* problem)
{
    std::cerr << "eventbus-sink: " << problem << "\n"
              << "usage: eventbus-sink [--listen HOST:PORT] [--port-file FILE] [--summary FILE]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    std::string listen = "127.0.0.1:0";
    std::string portFile;
    std::string summaryFile;
    for (int i = 1; i < argc; ++i) {
        std::string option = argv[i];
        if (i + 1 >= argc)
            return usage(("missing value of " + option).c_str());
        std::string value = argv[++i];
        if (option == "--listen")
            listen = value;
        else if (option == "--port-file")
            portFile = value;
        else if (option == "--summary")
            summaryFile = value;
        else
            return usage(("unknown option " + option).c_str());
    }
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos)
        return usage("--listen wants HOST:PORT");

    struct sigaction action{};
    action.sa_handler = requestStop;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        eventbus::bench::SinkServer server(listen.substr(0, colon),
            static_cast<uint16_t>(std::stoi(listen.substr(colon + 1))));
        if (!portFile.empty()) {
            // Written beside and renamed, so a reader never sees a partial number.
            std::ofstream(portFile + ".tmp") << server.port() << "\n";
            std::rename((portFile + ".tmp").c_str(), portFile.c_str());
        }
        std::cout << "listening on " << listen.substr(0, colon) << ":" << server.port() << std::endl;
        server.run(stopRequested);
        const std::string summary = server.statistics().toJson() + "\n";
        if (summaryFile.empty())
            std::cout << summary << std::flush;
        else
            std::ofstream(summaryFile) << summary;
    } catch (const std::exception& e) {
        std::cerr << "eventbus-sink: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
