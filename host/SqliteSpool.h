// The durable EventStore: one SQLite file per event service under spool.dir, written by a
// group-committing writer thread per file. append() returns once the events are committed, so an
// HTTP ingress that answers after submit() answers only for stored events.
#ifndef EVENTBUS_HOST_SQLITESPOOL_H
#define EVENTBUS_HOST_SQLITESPOOL_H

#include "EventStore.h"
#include "SpoolSettings.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace eventbus {

class MetricsRegistry;
class SpoolQueue;

class SqliteSpool : public EventStore {
public:
    /// Locks settings.dir against a second daemon, then opens (or creates) one file per service
    /// and replays what they hold ahead of new events. Throws SpoolFormatError for a file of a
    /// newer format and std::runtime_error when the folder is locked or cannot be written.
    SqliteSpool(const SpoolSettings& settings, const std::vector<std::string>& services, MetricsRegistry& metrics);
    /// Commits pending acknowledgements and dead letters; what was not delivered stays stored.
    ~SqliteSpool() override;
    SqliteSpool(const SqliteSpool&) = delete;
    SqliteSpool& operator=(const SqliteSpool&) = delete;

    /// All or none: false when a service's disk budget is reached or the write fails. Events of
    /// different services go to different files, so a write failure after another service's
    /// commit stores that part anyway (the client's retry then duplicates it, never loses it).
    bool append(Routed&& events) override;
    std::vector<StoredEvent> take(const std::string& service, const Accept& accept) override;
    void ack(const std::string& service, const std::vector<uint64_t>& seqs) override;
    /// The spool keeps every body on disk: only the events' seqs matter here.
    void release(const std::string& service, std::vector<StoredEvent>&& events) override;
    void deadLetter(const std::string& service, std::vector<StoredEvent>&& events,
        const std::string& reason) override;
    void release(const std::string& service, const std::vector<uint64_t>& seqs);
    void deadLetter(const std::string& service, const std::vector<uint64_t>& seqs, const std::string& reason);
    StoreStats stats(const std::string& service) const override;
    size_t size() const override;
    /// The index and the events waiting for their commit; bodies on disk are not counted.
    size_t heldBytes() const override;

private:
    SpoolQueue* find(const std::string& service) const;

    std::map<std::string, std::unique_ptr<SpoolQueue>> _queues;
    int _lockFd = -1;
};

} // namespace eventbus

#endif
