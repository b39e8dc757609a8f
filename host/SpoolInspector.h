// What an operator does with a spool folder, the daemon running or not (SQLite's WAL lets a
// second process read and write beside it): counts and sizes, dead letters exported as JSON
// lines, requeued or purged. The daemon takes requeued dead letters back within
// spool.requeue_poll_ms; nothing here touches the segments, which only the daemon writes.
#ifndef EVENTBUS_HOST_SPOOLINSPECTOR_H
#define EVENTBUS_HOST_SPOOLINSPECTOR_H

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace eventbus {

class SpoolInspector {
public:
    struct Stats {
        std::string service;
        std::string file;
        uint64_t fileBytes = 0;        ///< the database file and its WAL
        int64_t events = 0;            ///< waiting for delivery (pending or in flight)
        int64_t eventBytes = 0;
        int64_t oldestIngressUs = 0;   ///< 0 when there are no events
        int64_t deadLetters = 0;
        int64_t deadLetterBytes = 0;
        int64_t requeued = 0;          ///< dead letters marked for requeue, not yet taken back
        int64_t quarantined = 0;
    };

    /// What check() found in one file.
    struct Check {
        std::string service;
        std::string integrity;   ///< SQLite's integrity_check: "ok" or its first findings
        int64_t checked = 0;     ///< events whose checksum was verified
        int64_t mismatches = 0;  ///< events the daemon will quarantine when it reaches them
        /// Segments whose count does not match their records (or overlaps the next segment):
        /// the daemon quarantines every record they hold.
        int64_t damagedSegments = 0;
        bool ok() const { return integrity == "ok" && mismatches == 0 && damagedSegments == 0; }
    };

    explicit SpoolInspector(const std::string& spoolDir);

    /// The services that have a spool file in the folder, sorted.
    std::vector<std::string> services() const;
    /// Throws SpoolError or SpoolFormatError when the file cannot be read as a spool.
    Stats stats(const std::string& service) const;
    /// One JSON object per line per dead letter, oldest first, with its reason and the event as
    /// it was refused; returns how many.
    size_t exportDeadLetters(const std::string& service, std::ostream& out) const;
    /// Marks the dead letters (all when letters is empty) for the daemon to take back into the
    /// queue; returns how many were marked.
    size_t requeue(const std::string& service, const std::vector<int64_t>& letters) const;
    /// Deletes dead letters (all when letters is empty); returns how many.
    size_t purge(const std::string& service, const std::vector<int64_t>& letters) const;

    /// Verifies the file's structure and every event's checksum, changing nothing.
    Check check(const std::string& service) const;

    /// stats as one JSON line.
    static std::string toJson(const Stats& stats);
    static std::string toJson(const Check& check);

private:
    std::string path(const std::string& service) const;
    /// Runs all (no letters given) or one for each letter (bound as ?1) in one transaction.
    size_t change(const std::string& service, const std::vector<int64_t>& letters, const std::string& all,
        const std::string& one) const;

    std::string _dir;
};

} // namespace eventbus

#endif
