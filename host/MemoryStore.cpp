#include "MemoryStore.h"

#include <algorithm>

namespace eventbus {

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
        queue.pending.emplace(seq, StoredEvent{seq, service, std::move(event), 0});
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
    while (!queue.pending.empty() && accept(queue.pending.begin()->second.event)) {
        auto node = queue.pending.extract(queue.pending.begin());
        queue.pendingBytes -= node.mapped().event.json.size();
        taken.push_back(node.mapped());
        queue.inFlight.insert(std::move(node));
    }
    return taken;
}

std::vector<StoredEvent> MemoryStore::settle(const std::string& service, const std::vector<uint64_t>& seqs)
{
    std::vector<StoredEvent> settled;
    auto found = _queues.find(service);
    if (found == _queues.end())
        return settled;
    for (uint64_t seq : seqs) {
        auto node = found->second.inFlight.extract(seq);
        if (node.empty())
            continue;
        _bytes -= footprint(node.mapped().event);
        --_count;
        settled.push_back(std::move(node.mapped()));
    }
    return settled;
}

void MemoryStore::ack(const std::string& service, const std::vector<uint64_t>& seqs)
{
    std::lock_guard<std::mutex> lock(_mutex);
    settle(service, seqs);
}

void MemoryStore::release(const std::string& service, const std::vector<uint64_t>& seqs)
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto found = _queues.find(service);
    if (found == _queues.end())
        return;
    Queue& queue = found->second;
    for (uint64_t seq : seqs) {
        auto node = queue.inFlight.extract(seq);
        if (node.empty())
            continue;
        ++node.mapped().attempts;
        queue.pendingBytes += node.mapped().event.json.size();
        queue.pending.insert(std::move(node));
    }
}

void MemoryStore::deadLetter(const std::string& service, const std::vector<uint64_t>& seqs,
    const std::string& reason)
{
    std::vector<StoredEvent> letters;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        letters = settle(service, seqs);
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
        stats.oldestPendingUs = queue.pending.begin()->second.event.ingressUs;
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
