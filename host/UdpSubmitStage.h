// Hands a UDP listener's decoded sets on, one at a time, in the order their datagrams arrived.
#ifndef EVENTBUS_HOST_UDPSUBMITSTAGE_H
#define EVENTBUS_HOST_UDPSUBMITSTAGE_H

#include "Event.h"

#include <chrono>
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
/// overtake each other, the dispatcher sees datagrams in arrival order.
///
/// A set handed while others wait joins the last of them up to `each`, or else waits behind it;
/// each waiting set is one submission, so a commit stays small enough for the spool's cache
/// however much waits. A steady feed is received in sets of a few dozen datagrams (whatever
/// arrived since the last turn at the socket), and a durable commit per such set costs more than
/// the events in it: so waiting sets smaller than `enough` together also wait up to `linger`,
/// counted from the first one's hand-over, for more to join them (less when a set comes that
/// cannot wait with them). hand() blocks only while the waiting sets would grow past `most`,
/// which bounds what is held.
class UdpSubmitStage {
public:
    /// submit(events, datagrams) runs on the stage's thread, one set at a time; it must not throw.
    using Submit = std::function<void(std::vector<Event>&&, size_t)>;

    /// A set's size: its datagrams and their bytes.
    struct Size {
        size_t datagrams = 0;
        size_t bytes = 0;
    };
    struct Limits {
        Size most;                          ///< the waiting sets take no set that would pass either
        Size enough;                        ///< waiting sets reaching either are submitted without lingering
        std::chrono::microseconds linger{0}; ///< zero: a set is submitted as soon as the stage is free
        Size each{SIZE_MAX, SIZE_MAX};      ///< sets join into one submission up to both
    };

    UdpSubmitStage(Submit submit, const Limits& limits);
    /// Submits the sets still waiting, then stops.
    ~UdpSubmitStage();
    UdpSubmitStage(const UdpSubmitStage&) = delete;
    UdpSubmitStage& operator=(const UdpSubmitStage&) = delete;

    /// A submission is running: a set handed now waits for it (joining any set that waits).
    bool busy();
    /// Turns are 0, 1, 2... Every turn drawn must be handed exactly once (with no events if
    /// decoding failed), or the sets of later turns would wait for it for ever.
    void hand(uint64_t turn, std::vector<Event>&& events, const Size& size);

private:
    void run();

    Submit _submit;
    const Limits _limits;
    std::mutex _mutex;
    std::condition_variable _changed;
    /// A decoded set, or sets joined because together they fit one submission.
    struct Set {
        std::vector<Event> events;
        Size size;
    };
    bool waiting() const { return _first < _sets.size(); }
    /// The waiting sets are _sets[_first...], in turn order; taken ones before them (moved from)
    /// are dropped by run(), which leaves the vector empty when none waits. It keeps its room, so a
    /// set can always be placed in an empty one.
    std::vector<Set> _sets;
    size_t _first = 0;
    Size _size; ///< of the waiting sets together
    std::chrono::steady_clock::time_point _waitingSince;
    uint64_t _nextTurn = 0;
    bool _submitting = false;
    /// A hand-over waits because its set would take the waiting ones past `most`: they stop
    /// lingering, so the submit thread is not left idle while the hand-over waits.
    bool _full = false;
    bool _done = false;
    std::thread _thread; ///< last: starts once everything above is set up
};

} // namespace eventbus

#endif
