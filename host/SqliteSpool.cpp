#include "SqliteSpool.h"

#include "SpoolDatabase.h"
#include "SpoolQueue.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>

namespace eventbus {

SqliteSpool::SqliteSpool(const SpoolSettings& settings, const std::vector<std::string>& services, MetricsRegistry& metrics)
{
    Poco::File(settings.dir).createDirectories();
    std::string lockPath = Poco::Path(settings.dir).append(".lock").toString();
    _lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (_lockFd < 0)
        throw std::runtime_error("cannot open " + lockPath + ": " + std::strerror(errno));
    if (::flock(_lockFd, LOCK_EX | LOCK_NB) != 0) {
        ::close(_lockFd);
        throw std::runtime_error("spool folder " + settings.dir + " is in use by another eventbusd");
    }
    try {
        for (const std::string& service : services) {
            std::string path = Poco::Path(settings.dir).append(SpoolDatabase::fileName(service)).toString();
            _queues.emplace(service, std::make_unique<SpoolQueue>(service, path, settings, metrics));
        }
    } catch (...) {
        _queues.clear();
        ::close(_lockFd);
        throw;
    }
    for (Poco::DirectoryIterator it(settings.dir), end; it != end; ++it) {
        std::string service = SpoolDatabase::serviceOf(it.name());
        if (!service.empty() && !_queues.count(service))
            Poco::Logger::get("eventbus.spool").warning("spool file " + it->path() + " belongs to event service '" + service
                + "', which is not configured: its events wait there until it is");
    }
}

SqliteSpool::~SqliteSpool()
{
    _queues.clear();
    ::close(_lockFd);
}

SpoolQueue* SqliteSpool::find(const std::string& service) const
{
    auto found = _queues.find(service);
    return found == _queues.end() ? nullptr : found->second.get();
}

bool SqliteSpool::append(Routed&& events)
{
    std::vector<SpoolQueue*> queueOf; // each event's, checked before anything is booked or moved
    queueOf.reserve(events.size());
    std::map<SpoolQueue*, uint64_t> costs;
    std::map<SpoolQueue*, size_t> counts;
    SpoolQueue* current = nullptr;
    const std::string* currentService = nullptr;
    for (const auto& [service, event] : events) {
        // Events of one append mostly go to one service: look it up once.
        if (!currentService || service != *currentService) {
            current = find(service);
            currentService = &service;
        }
        if (!current) {
            Poco::Logger::get("eventbus.spool").error("no spool for event service '" + service + "'");
            return false;
        }
        if (SpoolRecords::recordSize(event) > SpoolRecords::MAX_RECORD_BYTES) {
            Poco::Logger::get("eventbus.spool").error("event " + event.id + " of " + std::to_string(event.json.size())
                + " bytes is larger than the spool stores (" + std::to_string(SpoolRecords::MAX_RECORD_BYTES) + ")");
            return false;
        }
        costs[current] += SpoolQueue::diskCost(event);
        ++counts[current];
        queueOf.push_back(current);
    }
    for (auto it = costs.begin(); it != costs.end(); ++it) {
        if (!it->first->reserve(it->second)) {
            for (auto booked = costs.begin(); booked != it; ++booked)
                booked->first->unreserve(booked->second);
            return false;
        }
    }
    // The events move on to the queues, which keep them in memory for delivery once committed.
    // Out of memory on the way, what no queue took yet gives its booking back.
    std::vector<std::pair<SpoolQueue*, std::shared_ptr<SpoolQueue::AppendGroup>>> groups;
    try {
        std::map<SpoolQueue*, std::vector<Event>> byQueue;
        for (const auto& [queue, count] : counts)
            byQueue[queue].reserve(count);
        for (size_t i = 0; i < events.size(); ++i)
            byQueue[queueOf[i]].push_back(std::move(events[i].second));
        groups.reserve(byQueue.size());
        for (auto& [queue, list] : byQueue)
            groups.emplace_back(queue, queue->enqueue(std::move(list), costs[queue]));
    } catch (...) {
        for (const auto& [queue, cost] : costs) {
            if (std::none_of(groups.begin(), groups.end(), [q = queue](const auto& group) { return group.first == q; }))
                queue->unreserve(cost);
        }
        throw;
    }
    bool stored = true;
    for (auto& [queue, group] : groups)
        stored = queue->wait(group) && stored;
    return stored;
}

std::vector<StoredEvent> SqliteSpool::take(const std::string& service, const Accept& accept)
{
    SpoolQueue* queue = find(service);
    return queue ? queue->take(accept) : std::vector<StoredEvent>();
}

void SqliteSpool::ack(const std::string& service, const std::vector<uint64_t>& seqs)
{
    if (SpoolQueue* queue = find(service))
        queue->ack(seqs);
}

void SqliteSpool::release(const std::string& service, std::vector<StoredEvent>&& events)
{
    release(service, seqsOf(events));
}

void SqliteSpool::deadLetter(const std::string& service, std::vector<StoredEvent>&& events, const std::string& reason)
{
    deadLetter(service, seqsOf(events), reason);
}

void SqliteSpool::release(const std::string& service, const std::vector<uint64_t>& seqs)
{
    if (SpoolQueue* queue = find(service))
        queue->release(seqs);
}

void SqliteSpool::deadLetter(const std::string& service, const std::vector<uint64_t>& seqs, const std::string& reason)
{
    if (SpoolQueue* queue = find(service))
        queue->deadLetter(seqs, reason);
}

StoreStats SqliteSpool::stats(const std::string& service) const
{
    SpoolQueue* queue = find(service);
    return queue ? queue->stats() : StoreStats();
}

size_t SqliteSpool::size() const
{
    size_t total = 0;
    for (const auto& [service, queue] : _queues)
        total += queue->size();
    return total;
}

size_t SqliteSpool::heldBytes() const
{
    size_t total = 0;
    for (const auto& [service, queue] : _queues)
        total += queue->heldBytes();
    return total;
}

} // namespace eventbus
