// Hands a UDP listener's decoded sets on, one at a time, in the order their datagrams arrived.
#ifndef EVENTBUS_HOST_UDPSUBMITSTAGE_H
#define EVENTBUS_HOST_UDPSUBMITSTAGE_H

#include "Event.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace eventbus {

/// Submits gathered events on a thread of its own, so the next datagrams are received and
/// decoded while the last ones are committed (a durable submission waits for the spool's commit;
/// done in turn, the two halves left each other idle). Sets are taken strictly in the order of
/// their turns, which the receiving threads draw as they receive: however the decoding threads
/// overtake each other, the dispatcher sees datagrams in arrival order. One set waits at most:
/// hand() blocks while an earlier set has not been taken, which bounds what is held.
class UdpSubmitStage {
public:
    /// submit(events, datagrams) runs on the stage's thread, one set at a time; it must not throw.
    using Submit = std::function<void(std::vector<Event>&&, size_t)>;

    explicit UdpSubmitStage(Submit submit);
    /// Submits the set still waiting, then stops.
    ~UdpSubmitStage();
    UdpSubmitStage(const UdpSubmitStage&) = delete;
    UdpSubmitStage& operator=(const UdpSubmitStage&) = delete;

    /// A set is still waiting to be taken: handing another one now would block.
    bool busy();
    /// Turns are 0, 1, 2... Every turn drawn must be handed exactly once (with no events if
    /// decoding failed), or the sets of later turns would wait for it for ever.
    void hand(uint64_t turn, std::vector<Event>&& events, size_t datagrams);

private:
    void run();

    Submit _submit;
    std::mutex _mutex;
    std::condition_variable _changed;
    std::vector<Event> _events;
    size_t _datagrams = 0;
    uint64_t _nextTurn = 0;
    bool _waiting = false;
    bool _done = false;
    std::thread _thread; ///< last: starts once everything above is set up
};

} // namespace eventbus

#endif
