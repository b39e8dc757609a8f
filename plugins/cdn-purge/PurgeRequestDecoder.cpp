#include "PurgeRequestDecoder.h"

#include "HtcpPacket.h"

#include "eventbus/Envelope.h"
#include "eventbus/PhpJson.h"

#include <strings.h>

namespace eventbus {
namespace cdnpurge {

namespace {

PurgeRequestDecoder::Result rejected(const char* reason, std::string message) {
    PurgeRequestDecoder::Result r;
    r.reason = reason;
    r.message = std::move(message);
    return r;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

/// Length of "http://" or "https://" at the start of url, or 0.
size_t schemeLength(std::string_view url) {
    if (startsWithNoCase(url, "http://")) return 7;
    if (startsWithNoCase(url, "https://")) return 8;
    return 0;
}

/// Why url cannot be a purge URL, or empty when it can: an absolute http(s) URL with a host, no
/// whitespace or control bytes, valid UTF-8, within the schema's length limit.
std::string urlProblem(std::string_view url) {
    if (url.empty()) return "empty URL";
    if (url.size() > PurgeRequestDecoder::kMaxUrlBytes)
        return "URL of " + std::to_string(url.size()) + " bytes is longer than 8192";
    if (schemeLength(url) == 0) return "URL is not absolute http:// or https://";
    if (PurgeRequestDecoder::hostOf(url).empty()) return "URL has no host";
    for (char c : url) {
        const auto b = static_cast<unsigned char>(c);
        if (b <= 0x20 || b == 0x7F) return "URL contains whitespace or a control byte";
    }
    if (!json::isValidUtf8(url)) return "URL is not valid UTF-8";
    return {};
}

} // namespace

PurgeRequestDecoder::PurgeRequestDecoder(std::string stream, std::string domain)
    : _stream(std::move(stream)), _domain(std::move(domain)) {}

std::string_view PurgeRequestDecoder::hostOf(std::string_view url) {
    const size_t scheme = schemeLength(url);
    if (scheme == 0) return {};
    std::string_view authority = url.substr(scheme);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) authority.remove_prefix(at + 1);
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        return close == std::string_view::npos ? std::string_view() : authority.substr(0, close + 1);
    }
    return authority.substr(0, authority.find(':'));
}

PurgeRequestDecoder::Result PurgeRequestDecoder::decodeHtcp(std::string_view datagram) const {
    const HtcpPacket packet = HtcpPacket::parse(datagram);
    if (!packet.valid()) return rejected(packet.reason(), packet.error());
    return purgeEvent(packet.url());
}

PurgeRequestDecoder::Result PurgeRequestDecoder::decodeRequest(std::string_view method, std::string_view target,
                                                               std::string_view host) const {
    if (method != "PURGE") return rejected("not_purge", "method " + std::string(method) + " is not PURGE");
    if (!target.empty() && target.front() == '/') {
        if (host.empty()) return rejected("invalid_url", "origin-form request target without a Host header");
        std::string url = "http://";
        url.append(host).append(target);
        return purgeEvent(url);
    }
    return purgeEvent(target);
}

PurgeRequestDecoder::Result PurgeRequestDecoder::purgeEvent(std::string_view url) const {
    std::string problem = urlProblem(url);
    if (!problem.empty()) return rejected("invalid_url", std::move(problem));

    // The legacy envelope as CdnPurgeEventRelayer fills it (no request id: a purge carries none),
    // plus the dt EventGate needs. Built as text: every value is a string.
    Result r;
    r.id = uuidV4();
    const std::string_view domain = _domain.empty() ? hostOf(url) : std::string_view(_domain);
    r.json.reserve(url.size() + domain.size() + _stream.size() + 160);
    r.json.append(R"({"$schema":"/resource_change/1.0.0","meta":{"uri":)");
    json::appendString(r.json, url);
    r.json.append(R"(,"id":")").append(r.id).append("\"");
    if (!domain.empty()) {
        r.json.append(R"(,"domain":)");
        json::appendString(r.json, domain);
    }
    r.json.append(R"(,"stream":)");
    json::appendString(r.json, _stream);
    r.json.append(R"(,"dt":")").append(nowDt()).append(R"("},"tags":["mediawiki"]})");
    return r;
}

} // namespace cdnpurge
} // namespace eventbus
