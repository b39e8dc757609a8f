#include "UdpSubmitStage.h"

namespace eventbus {

UdpSubmitStage::UdpSubmitStage(Submit submit) : _submit(std::move(submit)), _thread([this] { run(); }) {}

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
    return _waiting;
}

void UdpSubmitStage::hand(uint64_t turn, std::vector<Event>&& events, size_t datagrams)
{
    std::unique_lock<std::mutex> lock(_mutex);
    _changed.wait(lock, [&] { return !_waiting && _nextTurn == turn; });
    _events = std::move(events);
    _datagrams = datagrams;
    _waiting = true;
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
        std::vector<Event> events = std::move(_events);
        size_t datagrams = _datagrams;
        _waiting = false;
        _changed.notify_all();
        lock.unlock();
        _submit(std::move(events), datagrams);
        lock.lock();
    }
}

} // namespace eventbus
