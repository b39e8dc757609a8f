#include "UdpSubmitStage.h"

#include <algorithm>
#include <cstddef>
#include <new>

namespace eventbus {

namespace {

/// a and b together pass neither of limit's sizes.
bool within(const UdpSubmitStage::Size& a, const UdpSubmitStage::Size& b, const UdpSubmitStage::Size& limit)
{
    return a.datagrams + b.datagrams <= limit.datagrams && a.bytes + b.bytes <= limit.bytes;
}

} // namespace

UdpSubmitStage::UdpSubmitStage(Submit submit, const Limits& limits)
    : _submit(std::move(submit))
    , _limits(limits)
    , _sets([] {
        std::vector<Set> sets;
        sets.reserve(1); // hand()'s fallback places a set in it without allocating
        return sets;
    }())
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
    auto fits = [&] { return !waiting() || within(_size, size, _limits.most); };
    while (_nextTurn != turn || !fits()) {
        if (_nextTurn == turn && !_full) {
            _full = true; // ends the waiting sets' linger
            _changed.notify_all();
        }
        _changed.wait(lock);
    }
    bool join = waiting() && within(_sets.back().size, size, _limits.each);
    try {
        if (join) {
            std::vector<Event>& joined = _sets.back().events;
            const size_t needed = joined.size() + events.size();
            if (joined.capacity() < needed)
                joined.reserve(std::max(needed, 2 * joined.capacity()));
        } else if (_sets.size() == _sets.capacity()) {
            _sets.reserve(2 * _sets.capacity());
        }
    } catch (const std::bad_alloc&) {
        // No memory to join or queue behind the waiting sets: this set goes alone once they are
        // taken (run() then leaves _sets empty with its room, so placing it allocates nothing),
        // and the turn is passed on whatever happens. `_full` each time, so that none of them
        // lingers while every listener waits for this turn.
        join = false;
        while (waiting()) {
            _full = true;
            _changed.notify_all();
            _changed.wait(lock);
        }
    }
    if (join) {
        Set& last = _sets.back();
        for (Event& event : events)
            last.events.push_back(std::move(event)); // room reserved above: cannot throw
        last.size.datagrams += size.datagrams;
        last.size.bytes += size.bytes;
    } else {
        if (!waiting())
            _waitingSince = std::chrono::steady_clock::now();
        _sets.push_back(Set{std::move(events), size}); // room reserved above: cannot throw
    }
    _size.datagrams += size.datagrams;
    _size.bytes += size.bytes;
    ++_nextTurn;
    _changed.notify_all();
}

void UdpSubmitStage::run()
{
    std::unique_lock<std::mutex> lock(_mutex);
    for (;;) {
        _changed.wait(lock, [this] { return waiting() || _done; });
        if (!waiting())
            return;
        // Sets left behind by the last submission linger at most until the first taken set's
        // deadline, which has passed unless that set went early (reaching `enough`, or `_full`).
        if (_limits.linger.count() > 0)
            _changed.wait_until(lock, _waitingSince + _limits.linger, [this] {
                return _done || _full || _size.datagrams >= _limits.enough.datagrams ||
                       _size.bytes >= _limits.enough.bytes;
            });
        // One set per submission: hand() already joined sets up to `each`, so two waiting sets
        // together are always larger.
        Set taken = std::move(_sets[_first++]);
        _size.datagrams -= taken.size.datagrams;
        _size.bytes -= taken.size.bytes;
        // Taken sets are dropped once they are half the vector, which keeps it within twice the
        // waiting sets under a steady backlog and empty (with its room) when none waits; erasing
        // allocates nothing.
        if (_first * 2 >= _sets.size()) {
            _sets.erase(_sets.begin(), _sets.begin() + static_cast<std::ptrdiff_t>(_first));
            _first = 0;
        }
        _full = false;
        _submitting = true;
        _changed.notify_all();
        lock.unlock();
        _submit(std::move(taken.events), taken.size.datagrams);
        lock.lock();
        _submitting = false;
    }
}

} // namespace eventbus
