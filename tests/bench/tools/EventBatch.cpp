#include "EventBatch.h"

#include <stdexcept>

namespace eventbus {
namespace bench {

namespace {

/// 16 digits hold every microsecond timestamp from 2001 to 2286, so a stamp never changes the
/// event's length and never starts with a zero (which JSON forbids).
const std::string STAMP_SLOT = "1000000000000000";
/// 10 digits, rewritten as 1000000000 + sequence modulo 9e9 (no leading zero either).
const std::string SEQUENCE_SLOT = "1000000001";
const std::string PAD_SLOT = "@PAD@";

/// As JSONRCFeedFormatter writes it: FormatJson escapes non-ASCII characters (and &, <, >), so
/// a title such as this one arrives with a \u escape.
const char* const RC_DATAGRAM =
    "{\"id\":" "@SEQ@" ",\"bench_ts\":" "@TS@" ",\"type\":\"edit\",\"namespace\":0,\"title\":\"Benchmark caf\\u00e9\","
    "\"title_url\":\"https://en.wikipedia.org/wiki/Benchmark_caf%C3%A9\",\"comment\":\"@PAD@\","
    "\"timestamp\":1719835200,\"user\":\"BenchUser\",\"bot\":false,\"minor\":true,"
    "\"server_url\":\"https://en.wikipedia.org\",\"server_name\":\"en.wikipedia.org\",\"wiki\":\"enwiki\"}";

const char* const EVENTGATE_EVENT =
    "{\"$schema\":\"/mediawiki/recentchange/1.0.0\",\"meta\":{\"uri\":\"https://en.wikipedia.org/wiki/Benchmark_page\","
    "\"request_id\":\"7c8b3a1e2f4d5a6b7c8d9e0f\",\"id\":\"00000000-0000-4000-8000-00" "@SEQ@" "\","
    "\"dt\":\"2024-07-01T12:00:00Z\",\"domain\":\"en.wikipedia.org\",\"stream\":\"mediawiki.recentchange\"},"
    "\"bench_ts\":" "@TS@" ",\"type\":\"edit\",\"namespace\":0,\"title\":\"Benchmark page\",\"comment\":\"@PAD@\","
    "\"timestamp\":1719835200,\"user\":\"BenchUser\",\"bot\":false,\"minor\":true,"
    "\"wiki\":\"enwiki\"}";

const char* const JOB_SPECIFICATION =
    "{\"type\":\"htmlCacheUpdate\",\"database\":\"enwiki\",\"params\":{\"bench_ts\":" "@TS@" ",\"seq\":" "@SEQ@" ","
    "\"pages\":{\"12345\":[0,\"Benchmark_page\"]},\"causeAction\":\"page-edit\",\"causeAgent\":\"@PAD@\","
    "\"requestId\":\"7c8b3a1e2f4d5a6b7c8d9e0f\"}}";

void replaceOnce(std::string& text, const std::string& slot, const std::string& value)
{
    const size_t at = text.find(slot);
    if (at == std::string::npos)
        throw std::logic_error("template without slot " + slot);
    text.replace(at, slot.size(), value);
}

void writeDigits(char* at, uint64_t value, size_t width)
{
    for (size_t i = width; i > 0; --i) {
        at[i - 1] = char('0' + value % 10);
        value /= 10;
    }
}

} // namespace

std::string EventBatch::eventTemplate(Kind kind, size_t eventBytes)
{
    std::string text = kind == Kind::RcFeedDatagram ? RC_DATAGRAM
        : kind == Kind::EventGateEvent              ? EVENTGATE_EVENT
                                                    : JOB_SPECIFICATION;
    replaceOnce(text, "@TS@", STAMP_SLOT);
    replaceOnce(text, "@SEQ@", SEQUENCE_SLOT);
    const size_t bare = text.size() - PAD_SLOT.size();
    std::string pad;
    const std::string words = "benchmark filler that stands for an edit summary ";
    while (bare + pad.size() < eventBytes)
        pad += words[pad.size() % words.size()];
    replaceOnce(text, PAD_SLOT, pad);
    return text;
}

EventBatch::EventBatch(Kind kind, size_t count, size_t eventBytes, bool asArray)
{
    if (count == 0 || (!asArray && count != 1))
        throw std::invalid_argument("a bare event is one event; a batch has at least one");
    const std::string one = eventTemplate(kind, eventBytes);
    const size_t stampAt = one.find(STAMP_SLOT);
    const size_t sequenceAt = one.find(SEQUENCE_SLOT);
    if (asArray)
        _text = "[";
    for (size_t i = 0; i < count; ++i) {
        if (i > 0)
            _text += ",";
        _stampOffsets.push_back(_text.size() + stampAt);
        _sequenceOffsets.push_back(_text.size() + sequenceAt);
        _text += one;
    }
    if (asArray)
        _text += "]";
}

void EventBatch::stamp(int64_t stampUs, uint64_t firstSequence)
{
    for (size_t i = 0; i < _stampOffsets.size(); ++i) {
        writeDigits(&_text[_stampOffsets[i]], uint64_t(stampUs), STAMP_SLOT.size());
        writeDigits(&_text[_sequenceOffsets[i]], 1000000000 + (firstSequence + i) % 9000000000ULL, SEQUENCE_SLOT.size());
    }
}

} // namespace bench
} // namespace eventbus
