#include "MemoryStore.h"

#include <algorithm>
#include <iterator>
#include <new>

namespace eventbus {

MemoryStore::MemoryStore(const std::string& deadLetterPath)
    : _deadLetters(deadLetterPath)
{
}

void MemoryStore::Queue::compact()
{
    constexpr size_t kSmall = 4096; // slots (about 1 MB) a queue may keep without being compacted
    if (freshHead == fresh.size()) {
        fresh.clear();
        freshHead = 0;
    } else if (freshHead >= kSmall && freshHead * 2 >= fresh.size()) {
        // Moves the pending ones to the front: amortised O(1) per event, as each moves at most
        // once per halving.
        fresh.erase(fresh.begin(), fresh.begin() + static_cast<std::ptrdiff_t>(freshHead));
        freshHead = 0;
    }
    // After a spike, down to twice what is left (not to nothing, so that a backlog swinging
    // around kSmall does not regrow from scratch each time).
    const size_t target = std::max(2 * fresh.size(), kSmall);
    if (fresh.capacity() > 2 * target) {
        try {
            std::vector<StoredEvent> smaller;
            smaller.reserve(target);
            std::move(fresh.begin(), fresh.end(), std::back_inserter(smaller));
            fresh.swap(smaller);
        } catch (const std::bad_alloc&) {
            // Keeps the larger vector; nothing was moved (reserve is what throws).
        }
    }
}

bool MemoryStore::append(Routed&& events)
{
    std::lock_guard<std::mutex> lock(_mutex);
    // All or nothing: everything that allocates (finding the queues, making room in them) comes
    // first; then the events are moved in, which cannot throw.
    std::vector<Queue*> targets;
    targets.reserve(events.size());
    std::vector<std::pair<Queue*, size_t>> adding; // per queue touched (usually one)
    for (const auto& routed : events) {
        Queue* queue = targets.empty() || routed.first != events[targets.size() - 1].first ? &_queues[routed.first]
                                                                                          : targets.back();
        targets.push_back(queue);
        auto entry = std::find_if(adding.begin(), adding.end(), [queue](const auto& e) { return e.first == queue; });
        if (entry == adding.end())
            adding.emplace_back(queue, 1);
        else
            ++entry->second;
    }
    for (const auto& [queue, count] : adding)
        if (queue->fresh.capacity() < queue->fresh.size() + count)
            queue->fresh.reserve(std::max(2 * queue->fresh.capacity(), queue->fresh.size() + count));
    for (size_t i = 0; i < events.size(); ++i) {
        auto& [service, event] = events[i];
        _bytes += footprint(event);
        targets[i]->pendingBytes += event.json.size();
        targets[i]->fresh.push_back(StoredEvent{_nextSeq++, std::move(service), std::move(event), 0});
    }
    _count += events.size();
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
    // First count what accept takes (released events are older than every fresh one: they go
    // first, in seq order), then make room, then move: a failed allocation takes nothing.
    size_t fromReleased = 0;
    size_t fromFresh = 0;
    for (auto it = queue.released.begin(); it != queue.released.end() && accept(it->second.event); ++it)
        ++fromReleased;
    if (fromReleased == queue.released.size())
        while (fromFresh < queue.freshCount() && accept(queue.fresh[queue.freshHead + fromFresh].event))
            ++fromFresh;
    const size_t count = fromReleased + fromFresh;
    if (count == 0)
        return taken;
    taken.reserve(count);
    queue.inFlight.reserve(queue.inFlight.size() + count);
    auto takeOne = [&](StoredEvent& next) {
        queue.pendingBytes -= next.event.json.size();
        _bytes -= footprint(next.event);
        taken.push_back(std::move(next));
    };
    for (size_t i = 0; i < fromReleased; ++i) {
        takeOne(queue.released.begin()->second);
        queue.released.erase(queue.released.begin());
    }
    for (size_t i = 0; i < fromFresh; ++i)
        takeOne(queue.fresh[queue.freshHead++]);
    queue.compact();
    // Taken seqs ascend; they precede some already in flight only when released events were
    // taken again.
    const size_t before = queue.inFlight.size();
    for (const StoredEvent& stored : taken)
        queue.inFlight.push_back(stored.seq);
    if (before > 0 && taken.front().seq < queue.inFlight[before - 1])
        std::inplace_merge(queue.inFlight.begin(), queue.inFlight.begin() + before, queue.inFlight.end());
    return taken;
}

std::vector<size_t> MemoryStore::inFlightAmong(const Queue& queue, const std::vector<StoredEvent>& events)
{
    std::vector<size_t> picks;
    picks.reserve(events.size());
    for (size_t i = 0; i < events.size(); ++i)
        if (std::binary_search(queue.inFlight.begin(), queue.inFlight.end(), events[i].seq))
            picks.push_back(i);
    // The same event given twice is taken back once.
    std::stable_sort(picks.begin(), picks.end(), [&events](size_t a, size_t b) { return events[a].seq < events[b].seq; });
    picks.erase(std::unique(picks.begin(), picks.end(), [&events](size_t a, size_t b) { return events[a].seq == events[b].seq; }),
        picks.end());
    return picks;
}

std::vector<uint64_t> MemoryStore::seqsAt(const std::vector<StoredEvent>& events, const std::vector<size_t>& picks)
{
    std::vector<uint64_t> seqs;
    seqs.reserve(picks.size());
    for (size_t i : picks)
        seqs.push_back(events[i].seq);
    return seqs;
}

void MemoryStore::settle(Queue& queue, const std::vector<uint64_t>& sortedSeqs)
{
    // Both lists are sorted: one merge walk, no allocation.
    auto kept = queue.inFlight.begin();
    auto next = sortedSeqs.begin();
    size_t settled = 0;
    for (auto it = queue.inFlight.begin(); it != queue.inFlight.end(); ++it) {
        while (next != sortedSeqs.end() && *next < *it)
            ++next;
        if (next != sortedSeqs.end() && *next == *it)
            ++settled;
        else
            *kept++ = *it;
    }
    queue.inFlight.erase(kept, queue.inFlight.end());
    _count -= settled;
}

void MemoryStore::ack(const std::string& service, const std::vector<uint64_t>& seqs)
{
    std::vector<uint64_t> sorted(seqs);
    std::sort(sorted.begin(), sorted.end());
    std::lock_guard<std::mutex> lock(_mutex);
    auto found = _queues.find(service);
    if (found != _queues.end())
        settle(found->second, sorted);
}

void MemoryStore::release(const std::string& service, std::vector<StoredEvent>&& events)
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto found = _queues.find(service);
    if (found == _queues.end())
        return;
    Queue& queue = found->second;
    const std::vector<size_t> picks = inFlightAmong(queue, events);
    const std::vector<uint64_t> seqs = seqsAt(events, picks);
    // Each map node is allocated before its event moves in; should one allocation fail, the
    // events already moved go back, so a throw leaves the store and events as they were.
    size_t moved = 0;
    try {
        for (; moved < picks.size(); ++moved) {
            StoredEvent& stored = events[picks[moved]];
            queue.released.emplace(stored.seq, std::move(stored));
        }
    } catch (...) {
        for (size_t i = 0; i < moved; ++i) {
            auto node = queue.released.find(seqs[i]);
            events[picks[i]] = std::move(node->second);
            queue.released.erase(node);
        }
        throw;
    }
    settle(queue, seqs);
    for (uint64_t seq : seqs) {
        StoredEvent& stored = queue.released.at(seq);
        ++stored.attempts;
        queue.pendingBytes += stored.event.json.size();
        _bytes += footprint(stored.event);
    }
    _count += seqs.size();
}

void MemoryStore::deadLetter(const std::string& service, std::vector<StoredEvent>&& events,
    const std::string& reason)
{
    std::vector<size_t> picks;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        auto found = _queues.find(service);
        if (found == _queues.end())
            return;
        picks = inFlightAmong(found->second, events);
    }
    // Written before they are settled, outside the lock (a slow disk must not stall ingress):
    // when a write fails (disk full), the events stay in flight with their caller, who tries again
    // later, so a letter may be written twice but is never lost. Only their caller settles them
    // meanwhile.
    const std::vector<uint64_t> seqs = seqsAt(events, picks);
    for (size_t i : picks)
        _deadLetters.write(reason, service, events[i].event.stream, events[i].event.json);
    std::lock_guard<std::mutex> lock(_mutex);
    settle(_queues[service], seqs);
}

StoreStats MemoryStore::stats(const std::string& service) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    StoreStats stats;
    auto found = _queues.find(service);
    if (found == _queues.end())
        return stats;
    const Queue& queue = found->second;
    stats.pending = queue.pending();
    stats.pendingBytes = queue.pendingBytes;
    stats.inFlight = queue.inFlight.size();
    if (!queue.released.empty())
        stats.oldestPendingUs = queue.released.begin()->second.event.ingressUs;
    else if (queue.freshCount() > 0)
        stats.oldestPendingUs = queue.fresh[queue.freshHead].event.ingressUs;
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
