#include "EventStore.h"

namespace eventbus {

size_t EventStore::footprint(const Event& event)
{
    return sizeof(StoredEvent) + event.stream.size() + event.id.size() + event.json.size()
        + event.clientIp.size() + event.plugin.size();
}

std::vector<uint64_t> EventStore::seqsOf(const std::vector<StoredEvent>& events)
{
    std::vector<uint64_t> seqs;
    seqs.reserve(events.size());
    for (const StoredEvent& stored : events)
        seqs.push_back(stored.seq);
    return seqs;
}

} // namespace eventbus
