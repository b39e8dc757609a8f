#include "UdpSubmitStage.h"

#include <algorithm>
#include <new>

namespace eventbus {

UdpSubmitStage::UdpSubmitStage(Submit submit, const Limits& limits)
    : _submit(std::move(submit))
    , _limits(limits)
    , _thread([this] { run(); })
{
}

UdpSubmitStage::~UdpSubmitStage()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _done = true;
    }
    _changed.notify_all();
    _thread.join();
}

bool UdpSubmitStage::busy()
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _submitting;
}

void UdpSubmitStage::hand(uint64_t turn, std::vector<Event>&& events, const Size& size)
{
    std::unique_lock<std::mutex> lock(_mutex);
    // A set larger than the limits by itself still goes, alone.
    auto fits = [&] {
        return !_waiting || (_size.datagrams + size.datagrams <= _limits.most.datagrams &&
                             _size.bytes + size.bytes <= _limits.most.bytes);
    };
    while (_nextTurn != turn || !fits()) {
        if (_nextTurn == turn && !_full) {
            _full = true; // ends the waiting set's linger
            _changed.notify_all();
        }
        _changed.wait(lock);
    }
    if (_waiting) {
        try {
            const size_t needed = _events.size() + events.size();
            if (_events.capacity() < needed)
                _events.reserve(std::max(needed, 2 * _events.capacity()));
        } catch (const std::bad_alloc&) {
            // No memory to join the waiting set: this set goes alone once that one is taken
            // (moving it in allocates nothing), so the turn is passed on whatever happens.
            _full = true;
            _changed.notify_all();
            _changed.wait(lock, [this] { return !_waiting; });
        }
    }
    if (!_waiting) {
        _events = std::move(events);
        _size = size;
        _waitingSince = std::chrono::steady_clock::now();
        _waiting = true;
    } else {
        for (Event& event : events)
            _events.push_back(std::move(event)); // room reserved above: cannot throw
        _size.datagrams += size.datagrams;
        _size.bytes += size.bytes;
    }
    ++_nextTurn;
    _changed.notify_all();
}

void UdpSubmitStage::run()
{
    std::unique_lock<std::mutex> lock(_mutex);
    for (;;) {
        _changed.wait(lock, [this] { return _waiting || _done; });
        if (!_waiting)
            return;
        if (_limits.linger.count() > 0)
            _changed.wait_until(lock, _waitingSince + _limits.linger, [this] {
                return _done || _full || _size.datagrams >= _limits.enough.datagrams ||
                       _size.bytes >= _limits.enough.bytes;
            });
        std::vector<Event> events = std::move(_events);
        size_t datagrams = _size.datagrams;
        _waiting = false;
        _full = false;
        _submitting = true;
        _changed.notify_all();
        lock.unlock();
        _submit(std::move(events), datagrams);
        lock.lock();
        _submitting = false;
    }
}

} // namespace eventbus
