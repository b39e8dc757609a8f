// Event envelopes: $schema and meta, built as the PHP extension builds them
// (spec eventbus-behaviour.md sections 0.2, 0.5, 3.2 and 3.3), plus the fields EventGate needs
// that the extension left to it (meta.dt).
#ifndef EVENTBUS_ENVELOPE_H
#define EVENTBUS_ENVELOPE_H

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eventbus {

/// A fresh random UUID v4, lowercase with hyphens.
std::string uuidV4();
/// Appends one to out (36 characters), for a decoder that writes it straight into its event.
void appendUuidV4(std::string& out);

/// A new request id as MediaWiki makes one: 24 lowercase hex characters.
std::string newRequestId();
/// The caller's X-Request-Id when it is printable ASCII of 1..200 bytes, else newRequestId().
std::string requestIdFrom(std::string_view header);

/// Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (UTC, one-second precision).
std::string formatDt(int64_t unixSeconds);
/// Appends that form to out.
void appendDt(std::string& out, int64_t unixSeconds);
/// The current time in that form.
std::string nowDt();
/// Converts what MediaWiki's timestamp converter accepts to that form: a 14-digit MediaWiki
/// timestamp, Unix seconds as digits, or ISO 8601 ("2019-01-01T00:00:00Z", with or without
/// fraction or offset). Empty when the input is none of these.
std::optional<std::string> toDt(std::string_view input);

/// meta of the legacy EventFactory envelope (section 3.2). Keys are written in the order
/// uri, request_id, id, domain, stream, dt; an empty request_id or domain is still written,
/// an empty dt is filled with nowDt() because EventGate rejects events without it.
struct LegacyMeta {
    std::string uri;
    std::string requestId;
    std::string id;     ///< empty: uuidV4()
    std::string domain;
    std::string stream;
    std::string dt;     ///< empty: nowDt()
};

/// Builds {"$schema": schema, "meta": {...}, ...attrs} into out (an object), attrs keeping their
/// order; "$schema" and "meta" members of attrs are dropped (the envelope's values win).
void legacyEnvelope(rapidjson::Document& out, std::string_view schema, const LegacyMeta& meta,
                    const rapidjson::Value& attrs);

/// meta of the modern EventSerializer envelope (section 3.3): stream, uri, id, [domain], [dt],
/// [request_id]; empty optional fields are left out, except dt, filled with nowDt() when empty.
struct ModernMeta {
    std::string stream;
    std::string uri;
    std::string id;     ///< empty: uuidV4()
    std::string domain;
    std::string dt;     ///< empty: nowDt()
    std::string requestId;
};

/// Builds {...attrs, "$schema": schema, "meta": {...}} into out, as EventSerializer does.
void modernEnvelope(rapidjson::Document& out, std::string_view schema, const ModernMeta& meta,
                    const rapidjson::Value& attrs);

/// For an event built elsewhere (relay, monolog, exec): adds meta.id (uuidV4) and meta.dt (now)
/// at the end of meta when absent, creating meta if needed. Returns the event's meta.id.
std::string ensureIdAndDt(rapidjson::Document& event);

} // namespace eventbus

#endif
