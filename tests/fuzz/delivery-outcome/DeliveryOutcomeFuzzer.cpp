// EventGate response bodies: the first input byte picks the status, the rest is the body judged
// against a batch of three events (two with the ids the seeds echo, one without an id).
#include "DeliveryOutcome.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace eventbus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const int statuses[] = {207, 400, 500, 201, 202, 503, 408, 429, 0};
    static const std::vector<StoredEvent> events = [] {
        std::vector<StoredEvent> v(3);
        const char* ids[] = {"6f1c9d9e-2a6b-4d89-9f55-1c3f7f0c7a11", "0d7e3c7a-8e0e-4f5e-a1a2-9b2b1c3d4e5f", ""};
        for (size_t i = 0; i < v.size(); ++i) {
            v[i].seq = i + 1;
            v[i].service = "main";
            v[i].event.stream = "test.event";
            v[i].event.id = ids[i];
            v[i].event.json = R"({"$schema":"/test/event/1.0.0","meta":{"stream":"test.event"}})";
        }
        return v;
    }();
    if (size == 0) return 0;
    SendResponse response;
    response.status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
    response.reason = "Reason";
    response.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (response.status == 0) response.failure = SendResponse::Failure::Timeout;
    const DeliveryOutcome outcome(response, events);
    for (size_t i = 0; i < events.size(); ++i) {
        outcome.verdict(i);
        outcome.reason(i);
        outcome.category(i);
        outcome.blamed(i);
    }
    outcome.listedFailures();
    outcome.summary();
    return 0;
}
