#include "FakeEventGate.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace eventbus {
namespace test {

namespace {

std::string compact(const rapidjson::Value& value)
{
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::string metaString(const rapidjson::Value& event, const char* name)
{
    if (!event.IsObject())
        return {};
    auto meta = event.FindMember("meta");
    if (meta == event.MemberEnd() || !meta->value.IsObject())
        return {};
    auto field = meta->value.FindMember(name);
    if (field == meta->value.MemberEnd() || !field->value.IsString())
        return {};
    return field->value.GetString();
}

/// Splits a body like EventGate: an array of events, or one object taken as [object].
void parseEvents(FakeEventGate::Request& request)
{
    rapidjson::Document document;
    document.Parse<rapidjson::kParseIterativeFlag>(request.body.data(), request.body.size());
    if (document.HasParseError())
        return;
    auto add = [&request](const rapidjson::Value& event) {
        request.events.push_back(compact(event));
        request.ids.push_back(metaString(event, "id"));
        request.streams.push_back(metaString(event, "stream"));
    };
    if (document.IsArray()) {
        for (const rapidjson::Value& event : document.GetArray())
            add(event);
    } else if (document.IsObject()) {
        add(document);
    }
}

std::vector<size_t> allIndexes(const FakeEventGate::Request& request)
{
    std::vector<size_t> indexes;
    for (size_t i = 0; i < request.events.size(); ++i)
        indexes.push_back(i);
    return indexes;
}

void writeString(rapidjson::Writer<rapidjson::StringBuffer>& writer, const std::string& text)
{
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

/// One EventStatus entry as EventGate writes it, echoing the event.
void writeEntry(rapidjson::Writer<rapidjson::StringBuffer>& writer, const std::string& event,
    const FakeEventGate::Judgement& judgement)
{
    bool invalid = judgement.kind == FakeEventGate::Kind::Invalid;
    writer.StartObject();
    writer.Key("status");
    writer.String(invalid ? "invalid" : "error");
    writer.Key("event");
    writer.RawValue(event.data(), event.size(), rapidjson::kObjectType);
    writer.Key("context");
    writer.StartObject();
    if (invalid) {
        writer.Key("errors");
        writer.StartArray();
        writer.StartObject();
        writer.Key("keyword");
        writer.String("fake");
        writer.Key("dataPath");
        writer.String("");
        writer.Key("schemaPath");
        writer.String("#");
        writer.Key("params");
        writer.StartObject();
        writer.EndObject();
        writer.Key("message");
        writeString(writer, judgement.message);
        writer.EndObject();
        writer.EndArray();
        writer.Key("errorsText");
        writeString(writer, judgement.message);
    } else {
        writer.Key("message");
        writeString(writer, judgement.message);
    }
    writer.EndObject();
    writer.EndObject();
}

} // namespace

std::string FakeEventGate::Request::header(const std::string& name) const
{
    auto found = headers.find(Poco::toLower(name));
    return found == headers.end() ? std::string() : found->second;
}

class FakeEventGate::Handler : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(FakeEventGate& gate)
        : _gate(gate)
    {
    }

    void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override
    {
        Request request;
        request.method = in.getMethod();
        request.uri = in.getURI();
        for (const auto& [name, value] : in)
            request.headers[Poco::toLower(name)] = value;
        Poco::StreamCopier::copyToString(in.stream(), request.body);
        parseEvents(request);

        Reply reply;
        _gate.handle(request, reply);
        if (reply.hang) {
            _gate.waitHang();
            return;
        }
        out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status), reply.reason);
        out.set("Keep-Alive", "timeout=" + std::to_string(std::max<long long>(1, _gate._options.idleTimeout.count() / 1000)));
        if (reply.body.empty()) {
            out.setChunkedTransferEncoding(true);
            out.send().flush();
        } else {
            out.setContentType(reply.contentType);
            out.setContentLength(static_cast<std::streamsize>(reply.body.size()));
            out.send() << reply.body;
        }
        std::lock_guard<std::mutex> lock(_gate._mutex);
        if (_gate._active > 0)
            --_gate._active;
    }

private:
    FakeEventGate& _gate;
};

class FakeEventGate::HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit HandlerFactory(FakeEventGate& gate)
        : _gate(gate)
    {
    }

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new Handler(_gate);
    }

private:
    FakeEventGate& _gate;
};

FakeEventGate::FakeEventGate()
    : FakeEventGate(Options())
{
}

FakeEventGate::FakeEventGate(const Options& options)
    : _options(options)
    , _default(created())
{
}

FakeEventGate::~FakeEventGate()
{
    stop();
}

void FakeEventGate::start()
{
    if (_server)
        return;
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", _port), true);
    socket.listen(64);
    _port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(_options.idleTimeout.count()) * 1000));
    params->setMaxKeepAliveRequests(1000000);
    params->setTimeout(Poco::Timespan(60, 0));
    params->setMaxThreads(32);
    _threads = std::make_unique<Poco::ThreadPool>(2, 32);
    _server = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*this), *_threads, socket, params);
    _server->start();
}

void FakeEventGate::stop()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        ++_generation;
        _changed.notify_all();
    }
    if (!_server)
        return;
    _server->stopAll(true);
    _threads->joinAll();
    _server.reset();
    _threads.reset();
    std::lock_guard<std::mutex> lock(_mutex);
    _active = 0;
}

unsigned short FakeEventGate::port() const
{
    return _port;
}

std::string FakeEventGate::url() const
{
    return "http://127.0.0.1:" + std::to_string(_port) + "/v1/events";
}

void FakeEventGate::script(std::vector<Responder> responders)
{
    std::lock_guard<std::mutex> lock(_mutex);
    for (Responder& responder : responders)
        _script.push_back(std::move(responder));
}

void FakeEventGate::setDefault(Responder responder)
{
    std::lock_guard<std::mutex> lock(_mutex);
    _default = std::move(responder);
}

void FakeEventGate::handle(Request& request, Reply& reply)
{
    Responder responder;
    size_t index;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (!_script.empty()) {
            responder = std::move(_script.front());
            _script.pop_front();
        } else {
            responder = _default;
        }
        index = _requests.size();
        _requests.push_back(request);
        ++_active;
        _maxActive = std::max(_maxActive, _active);
        _changed.notify_all();
    }
    reply = responder(request);
    finish(index, request, reply);
}

void FakeEventGate::finish(size_t index, const Request& request, const Reply& reply)
{
    // Recorded before the answer goes out, as EventGate has produced the events by then.
    std::lock_guard<std::mutex> lock(_mutex);
    if (reply.hang)
        return;
    _requests[index].status = reply.status;
    for (size_t accepted : reply.accepted) {
        if (accepted < request.events.size())
            _accepted.push_back(request.events[accepted]);
    }
    _changed.notify_all();
}

bool FakeEventGate::waitHang()
{
    std::unique_lock<std::mutex> lock(_mutex);
    uint64_t generation = _generation;
    bool released = _changed.wait_for(lock, _options.hangLimit, [&] { return _generation != generation; });
    if (_active > 0)
        --_active;
    return released;
}

std::vector<std::string> FakeEventGate::events() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _accepted;
}

std::vector<FakeEventGate::Request> FakeEventGate::requests() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _requests;
}

bool FakeEventGate::waitForEvents(size_t n, std::chrono::steady_clock::time_point deadline) const
{
    std::unique_lock<std::mutex> lock(_mutex);
    return _changed.wait_until(lock, deadline, [&] { return _accepted.size() >= n; });
}

bool FakeEventGate::waitForRequests(size_t n, std::chrono::steady_clock::time_point deadline) const
{
    std::unique_lock<std::mutex> lock(_mutex);
    return _changed.wait_until(lock, deadline, [&] { return _requests.size() >= n; });
}

int FakeEventGate::openConnections() const
{
    return _server ? _server->currentConnections() : 0;
}

int FakeEventGate::acceptedConnections() const
{
    return _server ? _server->totalConnections() : 0;
}

size_t FakeEventGate::maxConcurrentRequests() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _maxActive;
}

FakeEventGate::Responder FakeEventGate::created()
{
    return [](const Request& request) {
        Reply reply;
        std::string n = std::to_string(request.events.size());
        reply.status = 201;
        reply.reason = "All " + n + " out of " + n + " events were accepted.";
        reply.accepted = allIndexes(request);
        return reply;
    };
}

FakeEventGate::Responder FakeEventGate::hasty()
{
    return [](const Request& request) {
        Reply reply;
        reply.status = 202;
        reply.reason = std::to_string(request.events.size()) + " events hastily received.";
        reply.accepted = allIndexes(request);
        return reply;
    };
}

FakeEventGate::Responder FakeEventGate::judged(Judge judge)
{
    return [judge](const Request& request) {
        std::vector<Judgement> judgements;
        std::vector<size_t> invalid, error, success;
        for (size_t i = 0; i < request.events.size(); ++i) {
            judgements.push_back(judge(request, i));
            switch (judgements.back().kind) {
            case Kind::Success: success.push_back(i); break;
            case Kind::Invalid: invalid.push_back(i); break;
            case Kind::Error: error.push_back(i); break;
            }
        }
        size_t total = request.events.size();
        size_t failed = invalid.size() + error.size();
        if (failed == 0)
            return created()(request);

        Reply reply;
        reply.accepted = success;
        reply.contentType = "application/json; charset=utf-8";
        bool allInvalid = error.empty() && success.empty();
        rapidjson::StringBuffer buffer;
        rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
        writer.StartObject();
        writer.Key("invalid");
        writer.StartArray();
        for (size_t i : invalid)
            writeEntry(writer, request.events[i], judgements[i]);
        writer.EndArray();
        if (!allInvalid) {
            writer.Key("error");
            writer.StartArray();
            for (size_t i : error)
                writeEntry(writer, request.events[i], judgements[i]);
            writer.EndArray();
        }
        writer.EndObject();
        reply.body.assign(buffer.GetString(), buffer.GetSize());

        std::string counts = "(" + std::to_string(invalid.size()) + " invalid and " + std::to_string(error.size()) + " errored).";
        if (!success.empty()) {
            reply.status = 207;
            reply.reason = std::to_string(success.size()) + " out of " + std::to_string(total)
                + " events were accepted, but " + std::to_string(failed) + " failed " + counts;
        } else if (allInvalid) {
            reply.status = 400;
            reply.reason = std::to_string(total) + " out of " + std::to_string(total) + " events were invalid and not accepted.";
        } else {
            reply.status = 500;
            reply.reason = std::to_string(failed) + " out of " + std::to_string(total)
                + " events had failures and were not accepted. " + counts;
        }
        return reply;
    };
}

FakeEventGate::Responder FakeEventGate::problem()
{
    return status(500, "Internal Server Error",
        R"({"status":500,"type":"internal_error","title":"SyntaxError","detail":"Unexpected end of JSON input","method":"POST","uri":"/v1/events"})");
}

FakeEventGate::Responder FakeEventGate::emptyBadRequest()
{
    return status(400, "Request body was empty. Must provide JSON encoded events.");
}

FakeEventGate::Responder FakeEventGate::status(int code, const std::string& reason, const std::string& body,
    const std::string& contentType)
{
    return [=](const Request&) {
        Reply reply;
        reply.status = code;
        reply.reason = reason;
        reply.body = body;
        reply.contentType = contentType;
        return reply;
    };
}

FakeEventGate::Responder FakeEventGate::hang()
{
    return [](const Request&) {
        Reply reply;
        reply.hang = true;
        reply.status = 0;
        return reply;
    };
}

} // namespace test
} // namespace eventbus
