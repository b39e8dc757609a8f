#include "Batcher.h"

namespace eventbus {

Batcher::Builder::Builder(const Limits& limits)
    : _limits(limits)
{
}

bool Batcher::Builder::add(const Event& event)
{
    if (_count == 0) {
        _type = event.type;
        _clientIp = event.clientIp;
        _bodySize += event.json.size();
        _count = 1;
        return true;
    }
    if (_count >= _limits.maxEvents || event.type != _type || oversized())
        return false;
    if (_limits.sameClientIp && event.clientIp != _clientIp)
        return false;
    size_t grown = _bodySize + 1 + event.json.size();
    if (grown > _limits.maxBytes) {
        _partitioned = true;
        return false;
    }
    _bodySize = grown;
    ++_count;
    return true;
}

bool Batcher::Builder::oversized() const
{
    return _count == 1 && _bodySize > _limits.maxBytes;
}

bool Batcher::Builder::partitioned() const
{
    return _partitioned || oversized();
}

size_t Batcher::Builder::bodySize() const
{
    return _bodySize;
}

size_t Batcher::Builder::count() const
{
    return _count;
}

Batcher::Batcher(const Limits& limits)
    : _limits(limits)
{
}

const Batcher::Limits& Batcher::limits() const
{
    return _limits;
}

Batcher::Builder Batcher::builder() const
{
    return Builder(_limits);
}

bool Batcher::due(const StoreStats& queue, int64_t nowUs) const
{
    if (queue.pending == 0)
        return false;
    // pendingBytes plus the separators is what one body of all pending events would weigh.
    if (queue.pending >= _limits.maxEvents || queue.pendingBytes + queue.pending + 1 >= _limits.maxBytes)
        return true;
    // An ingress time from the future (a clock step back) must not hold the batch back.
    return nowUs >= dueAtUs(queue) || queue.oldestPendingUs > nowUs + _limits.lingerUs;
}

int64_t Batcher::dueAtUs(const StoreStats& queue) const
{
    return queue.oldestPendingUs + _limits.lingerUs;
}

std::string Batcher::join(const std::vector<StoredEvent>& events)
{
    size_t size = 2;
    for (const StoredEvent& stored : events)
        size += stored.event.json.size() + 1;
    std::string body;
    body.reserve(size);
    body += '[';
    for (size_t i = 0; i < events.size(); ++i) {
        if (i > 0)
            body += ',';
        body += events[i].event.json;
    }
    body += ']';
    return body;
}

} // namespace eventbus
