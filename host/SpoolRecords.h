// The records blob of one spool segment (format version 2): the events of one append, one after
// the other, each as [u32 size][u64 checksum][u32 type][i64 ingress_us][u32 lengths of stream, id,
// client_ip, plugin, json][their bytes], integers little-endian. size counts what follows it; the
// checksum (XXH3-64) covers what follows the checksum, so a damaged record is found and
// quarantined alone. A record's seq is the segment's first_seq plus its position.
#ifndef EVENTBUS_HOST_SPOOLRECORDS_H
#define EVENTBUS_HOST_SPOOLRECORDS_H

#include "Event.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace eventbus {

class SpoolRecords {
public:
    /// Appends event's record; throws std::length_error past MAX_RECORD_BYTES.
    void add(const Event& event);
    /// Makes room for records of this many bytes in all.
    void reserve(size_t bytes) { _blob.reserve(bytes); }
    /// What event's record takes.
    static size_t recordSize(const Event& event);
    bool empty() const { return _count == 0; }
    uint32_t count() const { return _count; }
    /// The events' JSON sizes, summed.
    uint64_t bodyBytes() const { return _bodyBytes; }
    /// Their stream, id, client_ip and plugin sizes, summed.
    uint64_t extraBytes() const { return _extraBytes; }
    int64_t oldestIngressUs() const { return _oldestIngressUs; }
    const std::string& blob() const { return _blob; }

    /// What a record holds besides its strings.
    static const size_t HEADER = 44;
    /// A segment holds at most this many events, so a read or a dead letter never copies much.
    static const uint32_t MAX_EVENTS = 256;
    /// The largest record stored (sizes are u32; SQLite refuses a blob past 1e9 bytes, failing
    /// the whole group commit with it).
    static const size_t MAX_RECORD_BYTES = size_t(64) << 20;
    /// A segment takes no record after it holds this many bytes, so a blob stays far below 1e9.
    static const size_t MAX_SEGMENT_BYTES = size_t(64) << 20;
    /// Whether a segment's stored event count agrees with its records blob (no checksum covers
    /// the count): count is 1..MAX_EVENTS and the blob holds exactly count records and nothing
    /// after them, or fewer intact records followed by damage (the events past the damage are then
    /// quarantined one by one). records, when given, gets how many intact records lead the blob.
    static bool countAgrees(const void* data, size_t size, int64_t count, int64_t* records = nullptr);
    /// Another record of size bytes would go into a new segment.
    bool full(size_t bytes) const { return _count == MAX_EVENTS || (_count > 0 && _blob.size() + bytes > MAX_SEGMENT_BYTES); }

    /// Walks the records of a blob without copying it; the blob must outlive the cursor.
    class Cursor {
    public:
        Cursor(const void* data, size_t size);

        /// Moves to the next record: false at the end of the blob, or when what follows is not a
        /// record (then the records after it cannot be found either).
        bool next();
        /// next() returned false because the blob ended, right after a record (not at damage).
        bool atEnd() const { return !_damaged && _next == _size; }
        /// The current record's checksum matches its bytes.
        bool intact() const;
        /// Copies the current record's fields into event.
        void read(Event& event) const;

        uint32_t bodySize() const { return _lengths[4]; }
        /// stream, id, client_ip and plugin together.
        uint32_t extraSize() const { return _lengths[0] + _lengths[1] + _lengths[2] + _lengths[3]; }
        int64_t ingressUs() const;
        uint64_t storedChecksum() const;

    private:
        const char* _data;
        size_t _size;
        size_t _next = 0;
        const char* _record = nullptr; ///< the current record, at its size field
        uint32_t _recordSize = 0;
        uint32_t _lengths[5] = {};
        bool _damaged = false;
    };

private:
    std::string _blob;
    uint32_t _count = 0;
    uint64_t _bodyBytes = 0;
    uint64_t _extraBytes = 0;
    int64_t _oldestIngressUs = 0;
};

} // namespace eventbus

#endif
