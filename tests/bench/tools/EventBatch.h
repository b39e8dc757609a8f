// The bytes the load generator sends: count events of one kind (an RC feed datagram, an
// EventGate event, a MediaWiki job specification), each about eventBytes long, with slots for a
// send stamp ("bench_ts", microseconds) and a sequence number that are rewritten in place before
// every send, so sending never formats JSON.
#ifndef EVENTBUS_BENCH_EVENTBATCH_H
#define EVENTBUS_BENCH_EVENTBATCH_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace eventbus {
namespace bench {

class EventBatch {
public:
    enum class Kind { RcFeedDatagram, EventGateEvent, JobSpecification };

    /// One event, bare (a datagram) when asArray is false, else a JSON array of count events.
    EventBatch(Kind kind, size_t count, size_t eventBytes, bool asArray);

    /// Writes stampUs into every event and firstSequence, firstSequence + 1... as their numbers.
    void stamp(int64_t stampUs, uint64_t firstSequence);

    const std::string& text() const { return _text; }
    size_t count() const { return _stampOffsets.size(); }

    /// One event of kind padded to about eventBytes, with the slot placeholders in it.
    static std::string eventTemplate(Kind kind, size_t eventBytes);

private:
    std::string _text;
    std::vector<size_t> _stampOffsets;
    std::vector<size_t> _sequenceOffsets;
};

} // namespace bench
} // namespace eventbus

#endif
