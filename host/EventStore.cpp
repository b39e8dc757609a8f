#include "EventStore.h"

namespace eventbus {

size_t EventStore::footprint(const Event& event)
{
    return sizeof(StoredEvent) + event.stream.size() + event.id.size() + event.json.size()
        + event.clientIp.size() + event.plugin.size();
}

} // namespace eventbus
