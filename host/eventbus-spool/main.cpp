// eventbus-spool: the operator's view of the durable spool, usable while eventbusd runs.
//
//     eventbus-spool [--config=FILE | --spool-dir=DIR] [--service=NAME] stats|check|export|requeue|purge [--letter=N ...]
#include "Config.h"
#include "SpoolInspector.h"

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace {

const char* const USAGE =
    "usage: eventbus-spool [--config=FILE | --spool-dir=DIR] [--service=NAME] COMMAND [--letter=N ...]\n"
    "\n"
    "Inspects the durable spool of eventbusd; safe while the daemon runs.\n"
    "\n"
    "  stats     one JSON line per event service: events waiting, dead letters, quarantined records, sizes\n"
    "  check     verifies each file's structure and every event's checksum, changing nothing; exit 1 on damage\n"
    "  export    every dead letter as a JSON line: service, letter, seq, stream, id, reason, dead_at,\n"
    "            attempts, requeued and the event as it was refused\n"
    "  requeue   puts dead letters (all, or --letter=N ...) back in the queue; the daemon takes them\n"
    "            within spool.requeue_poll_ms (at its next start when it is not running)\n"
    "  purge     deletes dead letters (all, or --letter=N ...) for good; export them first\n"
    "\n"
    "  --config=FILE     eventbusd's configuration, to find spool.dir (default /etc/eventbus/eventbusd.properties)\n"
    "  --spool-dir=DIR   the spool folder itself, instead of --config\n"
    "  --service=NAME    only this event service (default: every spool file in the folder)\n";

bool option(const std::string& arg, const std::string& name, std::string& value)
{
    std::string prefix = "--" + name + "=";
    if (arg.compare(0, prefix.size(), prefix) != 0)
        return false;
    value = arg.substr(prefix.size());
    return true;
}

std::string spoolDirFromConfig(const std::string& file)
{
    std::vector<eventbus::ConfigProblem> problems;
    eventbus::Settings settings = eventbus::Config::load(file, problems);
    for (const auto& problem : problems) {
        if (problem.key.empty() || problem.key == "eventbusd.state_dir" || problem.key.rfind("spool.", 0) == 0)
            throw std::runtime_error(problem.str());
    }
    return settings.spool.dir;
}

} // namespace

int main(int argc, char** argv)
{
    std::string config = "/etc/eventbus/eventbusd.properties", spoolDir, service, command, value;
    std::vector<int64_t> letters;
    bool damaged = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (option(arg, "config", value)) {
            config = value;
        } else if (option(arg, "spool-dir", value)) {
            spoolDir = value;
        } else if (option(arg, "service", value)) {
            service = value;
        } else if (option(arg, "letter", value)) {
            try {
                letters.push_back(std::stoll(value));
            } catch (const std::exception&) {
                std::cerr << "eventbus-spool: --letter needs a number, not '" << value << "'\n";
                return 2;
            }
        } else if (arg == "--help" || arg == "-h") {
            std::cout << USAGE;
            return 0;
        } else if (command.empty() && arg.rfind("--", 0) != 0) {
            command = arg;
        } else {
            std::cerr << "eventbus-spool: unexpected argument '" << arg << "'\n" << USAGE;
            return 2;
        }
    }
    if (command != "stats" && command != "check" && command != "export" && command != "requeue" && command != "purge") {
        std::cerr << USAGE;
        return 2;
    }
    if (!letters.empty() && command != "requeue" && command != "purge") {
        std::cerr << "eventbus-spool: --letter only applies to requeue and purge\n";
        return 2;
    }
    if (!letters.empty() && service.empty()) {
        std::cerr << "eventbus-spool: --letter needs --service (letter numbers are per service)\n";
        return 2;
    }
    try {
        if (spoolDir.empty())
            spoolDir = spoolDirFromConfig(config);
        // Files SQLite creates beside the database (-wal, -shm) belong to whoever opens it
        // first; if that were root, the daemon's user could no longer open its own spool.
        struct stat folder;
        if (::stat(spoolDir.c_str(), &folder) == 0 && folder.st_uid != ::geteuid()) {
            std::cerr << "eventbus-spool: " << spoolDir << " belongs to uid " << folder.st_uid
                      << ": run as that user (e.g. sudo -u eventbus eventbus-spool ...)\n";
            return 1;
        }
        eventbus::SpoolInspector inspector(spoolDir);
        std::vector<std::string> services = service.empty() ? inspector.services() : std::vector<std::string>{service};
        if (services.empty())
            std::cerr << "eventbus-spool: no spool files in " << spoolDir << "\n";
        for (const std::string& name : services) {
            if (command == "stats") {
                std::cout << eventbus::SpoolInspector::toJson(inspector.stats(name)) << "\n";
            } else if (command == "check") {
                eventbus::SpoolInspector::Check check = inspector.check(name);
                std::cout << eventbus::SpoolInspector::toJson(check) << "\n";
                damaged = damaged || !check.ok();
            } else if (command == "export") {
                inspector.exportDeadLetters(name, std::cout);
            } else if (command == "requeue") {
                std::cerr << name << ": " << inspector.requeue(name, letters) << " dead letter(s) requeued\n";
            } else {
                std::cerr << name << ": " << inspector.purge(name, letters) << " dead letter(s) purged\n";
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "eventbus-spool: " << e.what() << "\n";
        return 1;
    }
    return damaged ? 1 : 0;
}
