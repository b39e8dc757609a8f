// eventbusd with the rcfeed, cdn-purge and monolog plugins, fed the bytes stock MediaWiki and
// Monolog send (issue 5, acceptance 2 and 3): every good input arrives at a fake EventGate as a
// schema-valid event, and floods of bad input are counted exactly without hurting the daemon.
#include "DaemonProcess.h"
#include "FakeEventGate.h"
#include "TestEnv.h"
#include "integration/feeds/EventFixtures.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <sys/stat.h>
#include <map>
#include <memory>

using namespace eventbus;
using std::chrono::seconds;

namespace {

constexpr int kFlood = 10000;
/// Datagrams sent before waiting for the daemon to have received them all, so that the kernel's
/// socket buffer never overflows (a drop there would be the test's doing, not the daemon's).
constexpr int kBurst = 100;

struct Daemon {
    test::ScratchDir dir{"eventbus-feeds"};
    test::FakeEventGate gate;
    uint16_t adminPort = test::freeTcpPort();
    uint16_t rcPort = test::freeUdpPort();
    uint16_t htcpPort = test::freeUdpPort();
    uint16_t purgePort = test::freeTcpPort();
    uint16_t monologTcpPort = test::freeTcpPort();
    uint16_t monologUdpPort = test::freeUdpPort();
    std::unique_ptr<test::DaemonProcess> process;

    Daemon() {
        gate.start();
        const std::string config = dir.file("eventbusd.properties");
        test::writeFile(config,
                        "eventbusd.plugin_dir = " + test::buildDir() + "/plugins\n"
                        "eventbusd.state_dir = " + dir.path() + "\n"
                        "service.eventgate.url = " + gate.url() + "\n"
                        "service.eventgate.linger_ms = 5\n"
                        "eventbusd.default_service = eventgate\n"
                        "ingress.http.listen =\n"
                        "admin.listen = 127.0.0.1:" + std::to_string(adminPort) + "\n"
                        "plugin.rcfeed.enabled = true\n"
                        "plugin.rcfeed.listen = 127.0.0.1:" + std::to_string(rcPort) + "\n"
                        "plugin.cdn-purge.enabled = true\n"
                        "plugin.cdn-purge.htcp_listen = 127.0.0.1:" + std::to_string(htcpPort) + "\n"
                        "plugin.cdn-purge.http_listen = 127.0.0.1:" + std::to_string(purgePort) + "\n"
                        "plugin.monolog.enabled = true\n"
                        "plugin.monolog.tcp_listen = 127.0.0.1:" + std::to_string(monologTcpPort) + "\n"
                        "plugin.monolog.udp_listen = 127.0.0.1:" + std::to_string(monologUdpPort) + "\n"
                        "plugin.monolog.channel_streams = api-request=mediawiki.api-request\n");
        process = std::make_unique<test::DaemonProcess>(config);
        CPPUNIT_ASSERT_MESSAGE(process->log(), process->waitForLog("started with 3 plugin", seconds(10)));
    }

    std::string metrics() const {
        std::string body;
        CPPUNIT_ASSERT_EQUAL(200, test::httpRequest(adminPort, "GET", "/metrics", "", &body, ""));
        return body;
    }

    /// The value of counter name{labels...}, matching every given label; 0 when absent.
    long long counter(const std::string& name, const std::map<std::string, std::string>& labels) const {
        const std::string text = metrics();
        size_t pos = 0;
        while ((pos = text.find("\n" + name + "{", pos)) != std::string::npos) {
            const size_t end = text.find('\n', pos + 1);
            const std::string line = text.substr(pos + 1, end - pos - 1);
            pos = end;
            bool all = true;
            for (const auto& l : labels) all = all && line.find(l.first + "=\"" + l.second + "\"") != std::string::npos;
            if (all) return std::stoll(line.substr(line.rfind(' ') + 1));
        }
        return 0;
    }

    long long rejected(const std::string& plugin, const std::string& reason) const {
        return counter("eventbus_ingress_rejected_total", {{"plugin", plugin}, {"reason", reason}});
    }

    long long received(const std::string& plugin, const std::string& listener) const {
        return counter("eventbus_ingress_received_total", {{"plugin", plugin}, {"listener", listener}});
    }

    /// Sends the datagrams to port in bursts, each time waiting until the listener counted them.
    void sendDatagrams(uint16_t port, const std::string& plugin, const std::string& listener,
                       const std::vector<std::string>& datagrams) const {
        Poco::Net::DatagramSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        const Poco::Net::SocketAddress to("127.0.0.1", port);
        const long long before = received(plugin, listener);
        for (size_t i = 0; i < datagrams.size(); ++i) {
            socket.sendTo(datagrams[i].data(), static_cast<int>(datagrams[i].size()), to);
            if ((i + 1) % kBurst == 0 || i + 1 == datagrams.size()) {
                const long long expected = before + static_cast<long long>(i + 1);
                CPPUNIT_ASSERT_MESSAGE(plugin + "/" + listener + " did not receive datagram " + std::to_string(i + 1),
                                       test::waitUntil([&] { return received(plugin, listener) >= expected; }, seconds(20)));
            }
        }
    }

    /// Writes the bytes on one TCP connection and closes it.
    void sendTcp(uint16_t port, const std::string& bytes) const {
        Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
        socket.setReceiveTimeout(Poco::Timespan(10, 0));
        size_t sent = 0;
        while (sent < bytes.size())
            sent += static_cast<size_t>(socket.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent)));
        // Half-close, then wait for the daemon to close its side: it has read every line by then.
        socket.shutdownSend();
        char drain[64];
        while (socket.receiveBytes(drain, sizeof drain) > 0) {
        }
    }

    /// Sends raw request bytes and returns the status line of the answer.
    std::string rawHttp(uint16_t port, const std::string& request) const {
        Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
        socket.setReceiveTimeout(Poco::Timespan(10, 0));
        socket.sendBytes(request.data(), static_cast<int>(request.size()));
        std::string answer;
        char buf[1024];
        while (answer.find("\r\n\r\n") == std::string::npos) {
            const int n = socket.receiveBytes(buf, sizeof buf);
            if (n <= 0) break;
            answer.append(buf, static_cast<size_t>(n));
        }
        return answer.substr(0, answer.find("\r\n"));
    }
};

std::string withoutNewline(std::string s) {
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

const std::string* findEvent(const std::vector<std::string>& events, const std::string& text) {
    for (const auto& e : events)
        if (e.find(text) != std::string::npos) return &e;
    return nullptr;
}

} // namespace

class FeedsDaemonTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(FeedsDaemonTest);
    CPPUNIT_TEST(testShippedDropInsValidateWhenEnabled);
    CPPUNIT_TEST(testEveryFeedReachesEventGate);
    CPPUNIT_TEST(testFloodsOfBadInputAreCountedAndGoodInputStillArrives);
    CPPUNIT_TEST_SUITE_END();

public:
    void testShippedDropInsValidateWhenEnabled() {
        test::ScratchDir dir("eventbus-feeds-validate");
        for (const std::string plugin : {"rcfeed", "cdn-purge", "monolog"}) {
            std::string dropIn = test::readFile(test::sourceDir() + "/conf/conf.d/" + plugin + ".properties");
            const std::string disabled = "plugin." + plugin + ".enabled = false";
            const size_t at = dropIn.find(disabled);
            CPPUNIT_ASSERT_MESSAGE(plugin, at != std::string::npos);
            dropIn.replace(at, disabled.size(), "plugin." + plugin + ".enabled = true");
            ::mkdir(dir.file("conf.d").c_str(), 0755);
            test::writeFile(dir.file("conf.d/" + plugin + ".properties"), dropIn);
        }
        const std::string config = dir.file("eventbusd.properties");
        test::writeFile(config, "eventbusd.plugin_dir = " + test::buildDir() + "/plugins\n"
                                "eventbusd.state_dir = " + dir.path() + "\n"
                                "service.local.url = file:events.jsonl\n"
                                "ingress.http.listen =\n"
                                "admin.listen =\n");
        std::string out;
        const int rc = test::runCommand(test::daemonPath() + " --validate --config=" + config + " 2>&1", &out);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, rc);
        CPPUNIT_ASSERT_MESSAGE(out, out.find("3 plugin(s) enabled") != std::string::npos);
    }

    void testEveryFeedReachesEventGate() {
        Daemon d;
        d.sendDatagrams(d.rcPort, "rcfeed", "udp",
                        {EventFixtures::read("rcfeed/edit.dgram"), EventFixtures::read("rcfeed/new.dgram"),
                         EventFixtures::read("rcfeed/log-prefixed.dgram")});
        d.sendDatagrams(d.htcpPort, "cdn-purge", "htcp", {EventFixtures::read("cdn-purge/clr-foo.htcp")});
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"),
                             d.rawHttp(d.purgePort, EventFixtures::read("cdn-purge/purge-absolute.http")));
        d.sendTcp(d.monologTcpPort, EventFixtures::read("monolog/api-request.jsonl") +
                                        EventFixtures::read("monolog/batch.json") +
                                        EventFixtures::read("monolog/monolog1-api-request.jsonl"));
        d.sendDatagrams(d.monologUdpPort, "monolog", "udp", {EventFixtures::read("monolog/structured-data.syslog")});

        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.gate.waitForEvents(11, std::chrono::steady_clock::now() + seconds(20)));
        const std::vector<std::string> events = d.gate.events();
        CPPUNIT_ASSERT_EQUAL(size_t(11), events.size());

        std::map<std::string, int> streams;
        for (const auto& r : d.gate.requests())
            for (const auto& s : r.streams) ++streams[s];
        CPPUNIT_ASSERT_EQUAL(3, streams["mediawiki.recentchange"]);
        CPPUNIT_ASSERT_EQUAL(2, streams["resource-purge"]);
        CPPUNIT_ASSERT_EQUAL(2, streams["mediawiki.api-request"]);
        CPPUNIT_ASSERT_EQUAL(4, streams["test.event"]);

        const std::string* edit = findEvent(events, "\"id\":1784512345");
        CPPUNIT_ASSERT(edit != nullptr);
        EventFixtures::assertEvent(
            R"({"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Caf%C3%A9_au_lait","id":"@ID@","domain":"en.wikipedia.org","stream":"mediawiki.recentchange","dt":"2024-07-01T12:00:00Z"},"id":1784512345,"type":"edit","namespace":0,"title":"Café au lait","title_url":"https://en.wikipedia.org/wiki/Caf%C3%A9_au_lait","comment":"/* History */ fix typo & <ref> format","timestamp":1719835200,"user":"ExampleUser","bot":false,"notify_url":"https://en.wikipedia.org/w/index.php?diff=1232000001&oldid=1231999000&rcid=1784512345","minor":true,"patrolled":false,"length":{"old":10234,"new":10236},"revision":{"old":1231999000,"new":1232000001},"server_url":"https://en.wikipedia.org","server_name":"en.wikipedia.org","server_script_path":"/w","wiki":"enwiki"})",
            *edit);
        const std::string* htcp = findEvent(events, R"("uri":"https://en.wikipedia.org/wiki/Foo")");
        CPPUNIT_ASSERT(htcp != nullptr);
        EventFixtures::assertEvent(
            R"({"$schema":"/resource_change/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Foo","id":"@ID@","domain":"en.wikipedia.org","stream":"resource-purge","dt":"@DT@"},"tags":["mediawiki"]})",
            *htcp);
        CPPUNIT_ASSERT(findEvent(events, R"("uri":"http://en.wikipedia.org/wiki/Foo")") != nullptr);
        const std::string* api = findEvent(events, "5b0e1c53-3d35-4a36-9c2e-2a9f4f3b7d11");
        CPPUNIT_ASSERT(api != nullptr);
        CPPUNIT_ASSERT(api->find("\"private\"") == std::string::npos);
        CPPUNIT_ASSERT(findEvent(events, "context.oauth") == nullptr);

        // The validator keeps no /mediawiki/api/request/1.0.0 (only 0.0.1): that one event was
        // compared byte for byte by MonologRecordDecoderTest instead.
        std::vector<std::string> known;
        for (const auto& e : events)
            if (e.find("/mediawiki/api/request/1.0.0") == std::string::npos) known.push_back(e);
        CPPUNIT_ASSERT_EQUAL(size_t(10), known.size());
        EventFixtures::assertValid(known);

        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, seconds(10)));
    }

    void testFloodsOfBadInputAreCountedAndGoodInputStillArrives() {
        Daemon d;
        const std::string edit = EventFixtures::read("rcfeed/edit.dgram");
        const std::string clr = EventFixtures::read("cdn-purge/clr-foo.htcp");
        const std::string line = EventFixtures::read("monolog/api-request.jsonl");

        std::vector<std::string> badRc, badHtcp, badSyslog;
        for (int i = 0; i < kFlood; ++i) {
            badRc.push_back(edit.substr(0, 1 + static_cast<size_t>(i) % (edit.size() - 1)));
            if (i % 2 == 0) {
                badHtcp.push_back(clr.substr(0, 1 + static_cast<size_t>(i) % (clr.size() - 1)));
            } else {
                std::string other = clr;
                other[6] = static_cast<char>(i % 4); // NOP, TST, MON, SET: not CLR
                badHtcp.push_back(other);
            }
            badSyslog.push_back("<14>Jul  1 12:00:00 mw1234 mediawiki: @cee: " + withoutNewline(line));
        }
        d.sendDatagrams(d.rcPort, "rcfeed", "udp", badRc);
        d.sendDatagrams(d.htcpPort, "cdn-purge", "htcp", badHtcp);
        d.sendDatagrams(d.monologUdpPort, "monolog", "udp", badSyslog);

        std::string badLines;
        for (int i = 0; i < kFlood; ++i) badLines += "[2024-07-01 12:00:00] api-request.INFO: line " + std::to_string(i) + " [] []\n";
        d.sendTcp(d.monologTcpPort, badLines);

        Poco::Net::HTTPClientSession session("127.0.0.1", d.purgePort);
        session.setKeepAlive(true);
        session.setTimeout(Poco::Timespan(10, 0));
        for (int i = 0; i < kFlood; ++i) {
            Poco::Net::HTTPRequest request("PURGE", "ftp://en.wikipedia.org/wiki/" + std::to_string(i),
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            request.setContentLength(0);
            session.sendRequest(request);
            Poco::Net::HTTPResponse response;
            std::string body;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 400, static_cast<int>(response.getStatus()));
        }

        // One good input of each kind.
        d.sendDatagrams(d.rcPort, "rcfeed", "udp", {edit});
        d.sendDatagrams(d.htcpPort, "cdn-purge", "htcp", {clr});
        d.sendDatagrams(d.monologUdpPort, "monolog", "udp", {EventFixtures::read("monolog/api-request.syslog")});
        d.sendTcp(d.monologTcpPort, EventFixtures::read("monolog/batch.json"));
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200 OK"),
                             d.rawHttp(d.purgePort, EventFixtures::read("cdn-purge/purge-absolute.http")));

        CPPUNIT_ASSERT_MESSAGE(d.process->log(), d.gate.waitForEvents(6, std::chrono::steady_clock::now() + seconds(30)));
        CPPUNIT_ASSERT(d.process->running());
        const std::vector<std::string> events = d.gate.events();
        CPPUNIT_ASSERT_EQUAL(size_t(6), events.size());
        CPPUNIT_ASSERT(findEvent(events, "\"id\":1784512345") != nullptr);
        CPPUNIT_ASSERT(findEvent(events, R"("uri":"https://en.wikipedia.org/wiki/Foo")") != nullptr);
        CPPUNIT_ASSERT(findEvent(events, R"("uri":"http://en.wikipedia.org/wiki/Foo")") != nullptr);
        CPPUNIT_ASSERT(findEvent(events, "5b0e1c53-3d35-4a36-9c2e-2a9f4f3b7d11") != nullptr);
        CPPUNIT_ASSERT(findEvent(events, "\"foo\":\"bar\"") != nullptr);

        CPPUNIT_ASSERT_EQUAL(static_cast<long long>(kFlood), d.rejected("rcfeed", "malformed_json"));
        CPPUNIT_ASSERT_EQUAL(static_cast<long long>(kFlood / 2), d.rejected("cdn-purge", "truncated_htcp"));
        CPPUNIT_ASSERT_EQUAL(static_cast<long long>(kFlood / 2), d.rejected("cdn-purge", "not_htcp_clr"));
        CPPUNIT_ASSERT_EQUAL(static_cast<long long>(kFlood), d.rejected("cdn-purge", "invalid_url"));
        CPPUNIT_ASSERT_EQUAL(static_cast<long long>(kFlood), d.rejected("monolog", "bad_syslog_header"));
        CPPUNIT_ASSERT_EQUAL(static_cast<long long>(kFlood), d.rejected("monolog", "malformed_json"));
        CPPUNIT_ASSERT_EQUAL(0, d.process->stop(SIGTERM, seconds(10)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FeedsDaemonTest);
