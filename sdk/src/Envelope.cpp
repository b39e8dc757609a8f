#include "eventbus/Envelope.h"

#include <chrono>
#include <cstring>
#include <random>

namespace eventbus {

namespace {

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool isLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned daysInMonth(int64_t y, unsigned m) {
    static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

/// Reads exactly n digits at s[pos]; advances pos. False when they are not all digits.
bool readDigits(std::string_view s, size_t& pos, size_t n, unsigned& value) {
    if (pos + n > s.size()) return false;
    value = 0;
    for (size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    pos += n;
    return true;
}

bool allDigits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

std::optional<int64_t> civilToUnix(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned sec) {
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 60)
        return std::nullopt;
    return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

/// "YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+HH[:MM]|-HH[:MM]]" or the basic "YYYYMMDDTHHMMSS[.fff]Z".
std::optional<int64_t> parseIso8601(std::string_view s) {
    size_t p = 0;
    unsigned y, mo, d, h, mi, sec;
    const bool extended = s.size() > 4 && s[4] == '-';
    if (!readDigits(s, p, 4, y)) return std::nullopt;
    if (extended && s[p++] != '-') return std::nullopt;
    if (!readDigits(s, p, 2, mo)) return std::nullopt;
    if (extended && (p >= s.size() || s[p++] != '-')) return std::nullopt;
    if (!readDigits(s, p, 2, d)) return std::nullopt;
    if (p >= s.size() || (s[p] != 'T' && !(extended && s[p] == ' '))) return std::nullopt;
    ++p;
    if (!readDigits(s, p, 2, h)) return std::nullopt;
    if (extended && (p >= s.size() || s[p++] != ':')) return std::nullopt;
    if (!readDigits(s, p, 2, mi)) return std::nullopt;
    if (extended && (p >= s.size() || s[p++] != ':')) return std::nullopt;
    if (!readDigits(s, p, 2, sec)) return std::nullopt;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        const size_t start = p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
        if (p == start) return std::nullopt;
    }
    int64_t offsetSeconds = 0;
    if (p < s.size() && s[p] == 'Z') {
        ++p;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        const int sign = s[p] == '+' ? 1 : -1;
        ++p;
        unsigned oh, om = 0;
        if (!readDigits(s, p, 2, oh) || oh > 23) return std::nullopt;
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size() && (!readDigits(s, p, 2, om) || om > 59)) return std::nullopt;
        offsetSeconds = sign * static_cast<int64_t>(oh * 3600 + om * 60);
    } else if (!extended) {
        return std::nullopt; // the basic form requires a zone designator
    }
    if (p != s.size()) return std::nullopt;
    const auto local = civilToUnix(y, mo, d, h, mi, sec);
    if (!local) return std::nullopt;
    return *local - offsetSeconds;
}

std::mt19937_64& randomEngine() {
    thread_local std::mt19937_64 engine = [] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }();
    return engine;
}

rapidjson::Value stringValue(std::string_view s, rapidjson::Document::AllocatorType& alloc) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

bool isEnvelopeKey(const rapidjson::Value& name) {
    const std::string_view key(name.GetString(), name.GetStringLength());
    return key == "$schema" || key == "meta";
}

} // namespace

std::string uuidV4() {
    std::string uuid;
    appendUuidV4(uuid);
    return uuid;
}

void appendUuidV4(std::string& out) {
    auto& engine = randomEngine();
    uint64_t hi = engine();
    uint64_t lo = engine();
    hi = (hi & ~uint64_t(0xF000)) | 0x4000;                      // version 4
    lo = (lo & ~(uint64_t(0xC) << 60)) | (uint64_t(0x8) << 60); // variant 10xx
    // By hand: snprintf's format parsing cost more than the random numbers.
    static const char kHexDigits[] = "0123456789abcdef";
    char uuid[36];
    std::memset(uuid, '-', sizeof uuid);
    size_t pos = 0;
    const auto putHex = [&](uint64_t bits, int digits) {
        for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) uuid[pos++] = kHexDigits[bits >> shift & 0xF];
        ++pos; // over the dash
    };
    putHex(hi >> 32, 8);
    putHex(hi >> 16, 4);
    putHex(hi, 4);
    putHex(lo >> 48, 4);
    putHex(lo, 12);
    out.append(uuid, sizeof uuid);
}

std::string newRequestId() {
    auto& engine = randomEngine();
    static const char kHexDigits[] = "0123456789abcdef";
    std::string id(24, '0');
    uint64_t bits = engine();
    for (size_t i = 0; i < id.size(); ++i) {
        if (i == 16) bits = engine();
        id[i] = kHexDigits[bits & 0xF];
        bits >>= 4;
    }
    return id;
}

std::string requestIdFrom(std::string_view header) {
    bool usable = !header.empty() && header.size() <= 200;
    for (char c : header) usable = usable && c > ' ' && c <= '~';
    return usable ? std::string(header) : newRequestId();
}

std::string formatDt(int64_t unixSeconds) {
    std::string dt;
    dt.reserve(24);
    appendDt(dt, unixSeconds);
    return dt;
}

/// appendDt without the cache.
static void writeDt(std::string& dt, int64_t unixSeconds) {
    int64_t days = unixSeconds / 86400;
    int64_t rem = unixSeconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    // civil_from_days, the inverse of daysFromCivil.
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
    // By hand, as snprintf's "%04lld-%02u-%02uT%02u:%02u:%02uZ" would: its format parsing cost
    // more than the date arithmetic. The year has at least four characters, a minus sign included.
    if (y < 0) dt += '-';
    uint64_t magnitude = y < 0 ? 0 - static_cast<uint64_t>(y) : static_cast<uint64_t>(y);
    char yearDigits[20];
    size_t n = 0;
    do {
        yearDigits[n++] = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    for (size_t width = y < 0 ? 3 : 4; n < width; --width) dt += '0';
    while (n > 0) dt += yearDigits[--n];
    const auto twoDigits = [&dt](char separator, unsigned value) {
        dt += separator;
        dt += static_cast<char>('0' + value / 10);
        dt += static_cast<char>('0' + value % 10);
    };
    twoDigits('-', m);
    twoDigits('-', d);
    twoDigits('T', static_cast<unsigned>(rem / 3600));
    twoDigits(':', static_cast<unsigned>(rem % 3600 / 60));
    twoDigits(':', static_cast<unsigned>(rem % 60));
    dt += 'Z';
}

void appendDt(std::string& out, int64_t unixSeconds) {
    // Events come in runs of the same second (an RC feed burst, a batch), so each thread keeps
    // the last one it formatted: the date arithmetic was a fiftieth of the daemon's time under UDP
    // load. Plain bytes, so that the cache registers no destructor per thread (which would keep a
    // plugin mapped after it is unloaded) and holds nothing half-written if formatting throws.
    thread_local char cached[48];
    thread_local size_t cachedLength = 0;
    thread_local int64_t cachedSeconds = 0;
    if (cachedLength == 0 || cachedSeconds != unixSeconds) {
        std::string dt;
        writeDt(dt, unixSeconds);
        if (dt.size() > sizeof cached) { // a year of more than 27 digits: not worth keeping
            out += dt;
            return;
        }
        std::memcpy(cached, dt.data(), dt.size());
        cachedLength = dt.size();
        cachedSeconds = unixSeconds;
    }
    out.append(cached, cachedLength);
}

std::string nowDt() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return formatDt(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

std::optional<std::string> toDt(std::string_view input) {
    if (input.size() == 14 && allDigits(input)) {
        size_t p = 0;
        unsigned y, mo, d, h, mi, sec;
        readDigits(input, p, 4, y);
        readDigits(input, p, 2, mo);
        readDigits(input, p, 2, d);
        readDigits(input, p, 2, h);
        readDigits(input, p, 2, mi);
        readDigits(input, p, 2, sec);
        const auto t = civilToUnix(y, mo, d, h, mi, sec);
        if (!t) return std::nullopt;
        return formatDt(*t);
    }
    // Unix seconds as MediaWiki's converter accepts them: optional '-', 1 to 13 digits,
    // optionally a fraction of up to 6 digits (dropped: the output has one-second precision).
    std::string_view digitsPart = input;
    const bool negative = !digitsPart.empty() && digitsPart.front() == '-';
    if (negative) digitsPart.remove_prefix(1);
    std::string_view fraction;
    if (const size_t dot = digitsPart.find('.'); dot != std::string_view::npos) {
        fraction = digitsPart.substr(dot + 1);
        digitsPart = digitsPart.substr(0, dot);
    }
    const bool fractionOk = fraction.data() == nullptr || (allDigits(fraction) && fraction.size() <= 6);
    if (fractionOk && allDigits(digitsPart) && digitsPart.size() <= 13) {
        int64_t seconds = 0;
        for (char c : digitsPart) seconds = seconds * 10 + (c - '0');
        const bool hasFraction = fraction.find_first_not_of('0') != std::string_view::npos;
        if (negative) seconds = -seconds - (hasFraction ? 1 : 0);
        return formatDt(seconds);
    }
    if (const auto t = parseIso8601(input)) return formatDt(*t);
    return std::nullopt;
}

void legacyEnvelope(rapidjson::Document& out, std::string_view schema, const LegacyMeta& meta,
                    const rapidjson::Value& attrs) {
    auto& alloc = out.GetAllocator();
    out.SetObject();
    rapidjson::Value m(rapidjson::kObjectType);
    m.AddMember("uri", stringValue(meta.uri, alloc), alloc);
    m.AddMember("request_id", stringValue(meta.requestId, alloc), alloc);
    m.AddMember("id", stringValue(meta.id.empty() ? uuidV4() : meta.id, alloc), alloc);
    m.AddMember("domain", stringValue(meta.domain, alloc), alloc);
    m.AddMember("stream", stringValue(meta.stream, alloc), alloc);
    m.AddMember("dt", stringValue(meta.dt.empty() ? nowDt() : meta.dt, alloc), alloc);
    out.AddMember("$schema", stringValue(schema, alloc), alloc);
    out.AddMember("meta", m, alloc);
    if (!attrs.IsObject()) return;
    for (auto a = attrs.MemberBegin(); a != attrs.MemberEnd(); ++a) {
        if (isEnvelopeKey(a->name)) continue;
        out.AddMember(rapidjson::Value(a->name, alloc), rapidjson::Value(a->value, alloc), alloc);
    }
}

void modernEnvelope(rapidjson::Document& out, std::string_view schema, const ModernMeta& meta,
                    const rapidjson::Value& attrs) {
    auto& alloc = out.GetAllocator();
    out.SetObject();
    rapidjson::Value m(rapidjson::kObjectType);
    m.AddMember("stream", stringValue(meta.stream, alloc), alloc);
    m.AddMember("uri", stringValue(meta.uri, alloc), alloc);
    m.AddMember("id", stringValue(meta.id.empty() ? uuidV4() : meta.id, alloc), alloc);
    if (!meta.domain.empty()) m.AddMember("domain", stringValue(meta.domain, alloc), alloc);
    m.AddMember("dt", stringValue(meta.dt.empty() ? nowDt() : meta.dt, alloc), alloc);
    if (!meta.requestId.empty()) m.AddMember("request_id", stringValue(meta.requestId, alloc), alloc);
    rapidjson::Value schemaValue = stringValue(schema, alloc);

    // PHP array_merge: an attrs key named like an envelope key keeps its position, takes the new value.
    bool schemaPlaced = false;
    bool metaPlaced = false;
    if (attrs.IsObject()) {
        for (auto a = attrs.MemberBegin(); a != attrs.MemberEnd(); ++a) {
            rapidjson::Value name(a->name, alloc);
            const std::string_view key(a->name.GetString(), a->name.GetStringLength());
            if (key == "$schema" && !schemaPlaced) {
                out.AddMember(name, schemaValue, alloc);
                schemaPlaced = true;
            } else if (key == "meta" && !metaPlaced) {
                out.AddMember(name, m, alloc);
                metaPlaced = true;
            } else if (!isEnvelopeKey(a->name)) {
                out.AddMember(name, rapidjson::Value(a->value, alloc), alloc);
            }
        }
    }
    if (!schemaPlaced) out.AddMember("$schema", schemaValue, alloc);
    if (!metaPlaced) out.AddMember("meta", m, alloc);
}

std::string ensureIdAndDt(rapidjson::Document& event) {
    if (!event.IsObject()) return {};
    auto& alloc = event.GetAllocator();
    auto meta = event.FindMember("meta");
    if (meta == event.MemberEnd()) {
        event.AddMember("meta", rapidjson::Value(rapidjson::kObjectType), alloc);
        meta = event.FindMember("meta");
    } else if (!meta->value.IsObject()) {
        meta->value.SetObject();
    }
    rapidjson::Value& m = meta->value;
    if (!m.HasMember("id")) m.AddMember("id", stringValue(uuidV4(), alloc), alloc);
    if (!m.HasMember("dt")) m.AddMember("dt", stringValue(nowDt(), alloc), alloc);
    const rapidjson::Value& id = m["id"];
    return id.IsString() ? std::string(id.GetString(), id.GetStringLength()) : std::string();
}

} // namespace eventbus
