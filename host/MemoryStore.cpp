#include "MemoryStore.h"

#include <algorithm>
#include <iterator>

namespace eventbus {

namespace {

bool bySeq(const StoredEvent& a, const StoredEvent& b)
{
    return a.seq < b.seq;
}

} // namespace

MemoryStore::MemoryStore(const std::string& deadLetterPath)
    : _deadLetters(deadLetterPath)
{
}

bool MemoryStore::append(Routed&& events)
{
    std::lock_guard<std::mutex> lock(_mutex);
    for (auto& [service, event] : events) {
        Queue& queue = _queues[service];
        uint64_t seq = _nextSeq++;
        _bytes += footprint(event);
        queue.pendingBytes += event.json.size();
        queue.pending.push_back(StoredEvent{seq, service, std::move(event), 0});
        ++_count;
    }
    return true;
}

std::vector<StoredEvent> MemoryStore::take(const std::string& service, const Accept& accept)
{
    std::lock_guard<std::mutex> lock(_mutex);
    std::vector<StoredEvent> taken;
    auto found = _queues.find(service);
    if (found == _queues.end())
        return taken;
    Queue& queue = found->second;
    // A batch's worth (1000 events by default): growing the vector moved every event taken so far.
    taken.reserve(std::min<size_t>(queue.pending.size(), 1024));
    while (!queue.pending.empty() && accept(queue.pending.front().event)) {
        StoredEvent& next = queue.pending.front();
        queue.pendingBytes -= next.event.json.size();
        _bytes -= footprint(next.event);
        taken.push_back(std::move(next));
        queue.pending.pop_front();
    }
    // Taken seqs ascend; they precede some already in flight only when released events were
    // taken again.
    const size_t before = queue.inFlight.size();
    for (const StoredEvent& stored : taken)
        queue.inFlight.push_back(stored.seq);
    if (before > 0 && !taken.empty() && taken.front().seq < queue.inFlight[before - 1])
        std::inplace_merge(queue.inFlight.begin(), queue.inFlight.begin() + before, queue.inFlight.end());
    return taken;
}

std::vector<uint64_t> MemoryStore::settle(const std::string& service, std::vector<uint64_t> seqs)
{
    std::vector<uint64_t> found;
    auto queue = _queues.find(service);
    if (queue == _queues.end() || seqs.empty())
        return found;
    std::sort(seqs.begin(), seqs.end());
    std::vector<uint64_t>& inFlight = queue->second.inFlight;
    auto kept = inFlight.begin();
    for (auto it = inFlight.begin(); it != inFlight.end(); ++it) {
        if (std::binary_search(seqs.begin(), seqs.end(), *it))
            found.push_back(*it);
        else
            *kept++ = *it;
    }
    inFlight.erase(kept, inFlight.end());
    _count -= found.size();
    return found;
}

std::vector<StoredEvent> MemoryStore::settled(std::vector<StoredEvent>&& events, const std::vector<uint64_t>& seqs)
{
    std::vector<StoredEvent> kept;
    kept.reserve(seqs.size());
    for (StoredEvent& stored : events)
        if (std::binary_search(seqs.begin(), seqs.end(), stored.seq))
            kept.push_back(std::move(stored));
    std::sort(kept.begin(), kept.end(), bySeq);
    // The same event given twice counts once.
    kept.erase(std::unique(kept.begin(), kept.end(), [](const StoredEvent& a, const StoredEvent& b) { return a.seq == b.seq; }),
        kept.end());
    return kept;
}

void MemoryStore::ack(const std::string& service, const std::vector<uint64_t>& seqs)
{
    std::lock_guard<std::mutex> lock(_mutex);
    settle(service, seqs);
}

void MemoryStore::release(const std::string& service, std::vector<StoredEvent>&& events)
{
    std::lock_guard<std::mutex> lock(_mutex);
    const std::vector<uint64_t> inFlight = settle(service, seqsOf(events));
    std::vector<StoredEvent> released = settled(std::move(events), inFlight);
    if (released.empty())
        return;
    Queue& queue = _queues[service];
    for (StoredEvent& stored : released) {
        ++stored.attempts;
        queue.pendingBytes += stored.event.json.size();
        _bytes += footprint(stored.event);
    }
    _count += released.size();
    if (queue.pending.empty() || released.back().seq < queue.pending.front().seq) {
        // The usual case: the oldest events come back to the front.
        queue.pending.insert(queue.pending.begin(), std::make_move_iterator(released.begin()),
            std::make_move_iterator(released.end()));
        return;
    }
    std::deque<StoredEvent> merged;
    std::merge(std::make_move_iterator(queue.pending.begin()), std::make_move_iterator(queue.pending.end()),
        std::make_move_iterator(released.begin()), std::make_move_iterator(released.end()), std::back_inserter(merged),
        bySeq);
    queue.pending.swap(merged);
}

void MemoryStore::deadLetter(const std::string& service, std::vector<StoredEvent>&& events,
    const std::string& reason)
{
    std::vector<StoredEvent> letters;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        const std::vector<uint64_t> inFlight = settle(service, seqsOf(events));
        letters = settled(std::move(events), inFlight);
    }
    for (const StoredEvent& letter : letters)
        _deadLetters.write(reason, service, letter.event.stream, letter.event.json);
}

StoreStats MemoryStore::stats(const std::string& service) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    StoreStats stats;
    auto found = _queues.find(service);
    if (found == _queues.end())
        return stats;
    const Queue& queue = found->second;
    stats.pending = queue.pending.size();
    stats.pendingBytes = queue.pendingBytes;
    stats.inFlight = queue.inFlight.size();
    if (!queue.pending.empty())
        stats.oldestPendingUs = queue.pending.front().event.ingressUs;
    return stats;
}

size_t MemoryStore::size() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _count;
}

size_t MemoryStore::heldBytes() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _bytes;
}

} // namespace eventbus
