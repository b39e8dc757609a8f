#include "EventBusApp.h"

#include "Config.h"
#include "Daemon.h"
#include "Dispatcher.h"
#include "JsonLogFormatter.h"
#include "MetricsRegistry.h"
#include "PluginLoader.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <cerrno>
#include <csignal>
#include <iostream>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace eventbus {

namespace {

void setUpLogging(const Settings& s)
{
    Poco::AutoPtr<Poco::Formatter> formatter;
    if (s.logFormat == "json") formatter = new JsonLogFormatter;
    else formatter = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t");
    Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, console));
    // setChannel("") reaches loggers created before this point too, not only new ones.
    Poco::Logger::setChannel("", channel);
    Poco::Logger::root().setLevel(s.logLevel);
    Poco::Logger::setLevel("", Poco::Logger::parseLevel(s.logLevel));
}

void printProblems(const std::vector<ConfigProblem>& problems)
{
    for (const auto& p : problems) std::cerr << p.str() << "\n";
}

} // namespace

EventBusApp::EventBusApp() { setUnixOptions(true); }

void EventBusApp::defineOptions(Poco::Util::OptionSet& options)
{
    ServerApplication::defineOptions(options);
    options.addOption(Poco::Util::Option("config", "c", "main configuration file (default /etc/eventbus/eventbusd.properties); drop-ins are read from its conf.d folder")
                          .required(false).repeatable(false).argument("FILE"));
    options.addOption(Poco::Util::Option("validate", "", "check configuration and plugins as start-up does, without side effects; print every problem as file:key: message; exit 0 or 1")
                          .required(false).repeatable(false));
    options.addOption(Poco::Util::Option("allow-root", "", "run even as root (refused by default: run as an unprivileged user such as eventbus)")
                          .required(false).repeatable(false));
    options.addOption(Poco::Util::Option("version", "v", "print the version and the plugin ABI, then exit").required(false).repeatable(false));
    options.addOption(Poco::Util::Option("help", "h", "print this help, then exit").required(false).repeatable(false));
}

void EventBusApp::handleOption(const std::string& name, const std::string& value)
{
    ServerApplication::handleOption(name, value);
    if (name == "config") {
        _configFile = value;
    } else if (name == "validate") {
        _validate = true;
    } else if (name == "allow-root") {
        _allowRoot = true;
    } else if (name == "help") {
        printHelp();
        _done = true;
        stopOptionsProcessing();
    } else if (name == "version") {
        std::cout << "eventbusd " << EVENTBUS_VERSION << " (plugin ABI " << EB_ABI_MAJOR << "." << EB_ABI_MINOR << ")\n";
        _done = true;
        stopOptionsProcessing();
    }
}

void EventBusApp::printHelp()
{
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage("[--config=FILE] [--validate] [--daemon --pidfile=FILE]");
    help.setHeader("Delivers MediaWiki's events (RC feed, CDN purges, log records, jobs, page and user changes) "
                   "to EventGate through adapter plugins, with batching, retries and a durable spool.");
    help.setFooter("Configuration: a properties file plus conf.d/*.properties drop-ins (one per plugin). "
                   "See the README and the commented files under /etc/eventbus.");
    help.format(std::cout);
}

int EventBusApp::main(const std::vector<std::string>&)
{
    if (_done) return EXIT_OK;
    return _validate ? validate() : serve();
}

int EventBusApp::validate()
{
    std::vector<ConfigProblem> problems;
    Settings settings = Config::load(_configFile, problems);
    MetricsRegistry metrics;
    std::vector<ConfigProblem> failures;
    auto plugins = PluginLoader::load(settings, metrics, problems, failures);
    problems.insert(problems.end(), failures.begin(), failures.end());
    // The dispatcher checks routing as a whole; its errors would only repeat earlier ones.
    if (problems.empty()) {
        try {
            Dispatcher dispatcher(settings.dispatch, metrics);
        } catch (const std::exception& e) {
            problems.push_back({settings.mainFile, "", e.what()});
        }
    }
    if (!problems.empty()) {
        printProblems(problems);
        std::cerr << problems.size() << " problem(s) in " << _configFile << "\n";
        return 1; // --validate promises 0 or 1, unlike serving, which exits EX_CONFIG
    }
    std::cout << "configuration OK: " << settings.dispatch.services.size() << " service(s), " << plugins.size()
              << " plugin(s) enabled";
    for (const auto& p : plugins) std::cout << " " << p->name() << "@" << p->module().version();
    std::cout << "\n";
    return EXIT_OK;
}

namespace {

/// Signals reach the main loop through a pipe: a handler may only do async-signal-safe work, and
/// blocking the signals instead (sigwait) would leak the blocked mask into every child command.
int signalPipe[2] = {-1, -1};

void onSignal(int sig)
{
    unsigned char b = static_cast<unsigned char>(sig);
    ssize_t ignored = ::write(signalPipe[1], &b, 1);
    (void)ignored;
}

int waitForSignal()
{
    for (;;) {
        // poll first: unlike read it is never restarted after a handler (SA_RESTART), so the
        // loop also wakes when the handler itself runs late, as ThreadSanitizer defers handlers
        // until the interrupted call returns.
        struct pollfd ready {signalPipe[0], POLLIN, 0};
        if (::poll(&ready, 1, -1) < 0) {
            if (errno == EINTR) continue;
            return SIGTERM;
        }
        unsigned char b;
        ssize_t n = ::read(signalPipe[0], &b, 1);
        if (n == 1) return b;
        if (n < 0 && errno == EINTR) continue;
        return SIGTERM;
    }
}

} // namespace

int EventBusApp::serve()
{
    auto& log = Poco::Logger::get("eventbusd");
    if (::pipe2(signalPipe, O_CLOEXEC) != 0) {
        log.fatal("cannot create the signal pipe");
        return EXIT_OSERR;
    }
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP}) ::sigaction(sig, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    std::vector<ConfigProblem> problems;
    Settings settings = Config::load(_configFile, problems);
    setUpLogging(settings);
    if (!problems.empty()) {
        printProblems(problems);
        log.fatal("refusing to start: " + std::to_string(problems.size()) + " configuration problem(s)");
        return EXIT_CONFIG;
    }
    if (::geteuid() == 0 && !_allowRoot && !settings.allowRoot) {
        log.fatal("refusing to run as root: run as an unprivileged user (the package's 'eventbus'), or pass "
                  "--allow-root / set eventbusd.allow_root = true");
        return EXIT_NOPERM;
    }
    Daemon daemon(settings);
    problems = daemon.loadPlugins();
    if (!problems.empty()) {
        printProblems(problems);
        log.fatal("refusing to start: " + std::to_string(problems.size()) + " plugin configuration problem(s)");
        return EXIT_CONFIG;
    }
    try {
        daemon.start();
    } catch (const std::exception& e) {
        log.fatal(std::string("refusing to start: ") + e.what());
        daemon.stop();
        return EXIT_UNAVAILABLE;
    }
    for (;;) {
        int sig = waitForSignal();
        if (sig != SIGHUP) break;
        log.information("SIGHUP: reloading " + _configFile);
        std::string why;
        daemon.reload(_configFile, why);
    }
    daemon.stop();
    return EXIT_OK;
}

} // namespace eventbus
