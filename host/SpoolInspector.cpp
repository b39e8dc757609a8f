#include "SpoolInspector.h"

#include "SpoolDatabase.h"
#include "SpoolError.h"
#include "SpoolRecords.h"
#include "SpoolStatement.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Timestamp.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sqlite3.h>

#include <algorithm>

namespace eventbus {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void writeString(JsonWriter& writer, const char* key, const std::string& value)
{
    writer.Key(key);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void writeInt(JsonWriter& writer, const char* key, int64_t value)
{
    writer.Key(key);
    writer.Int64(value);
}

std::string isoTime(int64_t us)
{
    return Poco::DateTimeFormatter::format(Poco::Timestamp(us), "%Y-%m-%dT%H:%M:%S.%iZ");
}

/// Dead letters exported per read transaction.
const size_t EXPORT_PAGE = 256;

uint64_t sizeOf(const std::string& path)
{
    Poco::File file(path);
    return file.exists() ? static_cast<uint64_t>(file.getSize()) : 0;
}

} // namespace

SpoolInspector::SpoolInspector(const std::string& spoolDir)
    : _dir(spoolDir)
{
}

std::string SpoolInspector::path(const std::string& service) const
{
    return Poco::Path(_dir).append(SpoolDatabase::fileName(service)).toString();
}

std::vector<std::string> SpoolInspector::services() const
{
    std::vector<std::string> names;
    if (!Poco::File(_dir).exists())
        return names;
    for (Poco::DirectoryIterator it(_dir), end; it != end; ++it) {
        std::string service = SpoolDatabase::serviceOf(it.name());
        if (!service.empty())
            names.push_back(service);
    }
    std::sort(names.begin(), names.end());
    return names;
}

SpoolInspector::Stats SpoolInspector::stats(const std::string& service) const
{
    Stats stats;
    stats.service = service;
    stats.file = path(service);
    SpoolDatabase db(stats.file, service, SpoolDatabase::READ);
    SpoolDatabase::Pending pending = db.pending();
    stats.events = static_cast<int64_t>(pending.events);
    stats.eventBytes = static_cast<int64_t>(pending.bodyBytes);
    stats.oldestIngressUs = pending.oldestIngressUs;
    SpoolStatement letters(db.handle(),
        "SELECT count(*), coalesce(sum(length(CAST(body AS BLOB))), 0), coalesce(sum(requeued), 0) FROM dead_letters");
    letters.step();
    stats.deadLetters = letters.integer(0);
    stats.deadLetterBytes = letters.integer(1);
    stats.requeued = letters.integer(2);
    letters.reset();
    stats.quarantined = db.queryInteger("SELECT count(*) FROM quarantine");
    stats.fileBytes = sizeOf(stats.file) + sizeOf(stats.file + "-wal");
    return stats;
}

std::string SpoolInspector::toJson(const Stats& stats)
{
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writeString(writer, "service", stats.service);
    writeString(writer, "file", stats.file);
    writeInt(writer, "file_bytes", static_cast<int64_t>(stats.fileBytes));
    writeInt(writer, "events", stats.events);
    writeInt(writer, "event_bytes", stats.eventBytes);
    if (stats.events > 0)
        writeString(writer, "oldest_event_received", isoTime(stats.oldestIngressUs));
    writeInt(writer, "dead_letters", stats.deadLetters);
    writeInt(writer, "dead_letter_bytes", stats.deadLetterBytes);
    writeInt(writer, "dead_letters_requeued", stats.requeued);
    writeInt(writer, "quarantined", stats.quarantined);
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

SpoolInspector::Check SpoolInspector::check(const std::string& service) const
{
    Check check;
    check.service = service;
    SpoolDatabase db(path(service), service, SpoolDatabase::READ);
    SpoolStatement integrity(db.handle(), "PRAGMA integrity_check(10)");
    while (integrity.step())
        check.integrity += (check.integrity.empty() ? "" : "; ") + integrity.bytes(0);
    integrity.reset();
    std::vector<int64_t> settled;
    SpoolStatement states(db.handle(), "SELECT seq FROM event_states WHERE settled = 1 ORDER BY seq");
    while (states.step())
        settled.push_back(states.integer(0));
    states.reset();
    SpoolStatement segments(db.handle(), "SELECT first_seq, count, records FROM segments ORDER BY first_seq");
    int64_t end = 0; // of the last sound segment
    while (segments.step()) {
        int64_t first = segments.integer(0);
        int64_t count = segments.integer(1);
        size_t size = 0;
        const void* data = segments.type(2) == SQLITE_BLOB ? segments.blob(2, size) : nullptr;
        // As the daemon does: no checksum covers count, so the records must agree with it.
        int64_t records = 0;
        if (!SpoolRecords::countAgrees(data, size, count, &records) || first < end) {
            ++check.damagedSegments;
            check.checked += records;
            check.mismatches += records;
            continue;
        }
        end = first + count;
        SpoolRecords::Cursor verify(data, size);
        bool readable = true;
        for (int64_t seq = first; seq < first + count; ++seq) {
            readable = readable && verify.next();
            if (std::binary_search(settled.begin(), settled.end(), seq))
                continue;
            ++check.checked;
            if (!readable || !verify.intact())
                ++check.mismatches;
        }
    }
    segments.reset();
    return check;
}

std::string SpoolInspector::toJson(const Check& check)
{
    rapidjson::StringBuffer buffer;
    JsonWriter writer(buffer);
    writer.StartObject();
    writeString(writer, "service", check.service);
    writeString(writer, "integrity", check.integrity);
    writeInt(writer, "events_checked", check.checked);
    writeInt(writer, "checksum_mismatches", check.mismatches);
    writeInt(writer, "damaged_segments", check.damagedSegments);
    writer.Key("ok");
    writer.Bool(check.ok());
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

size_t SpoolInspector::exportDeadLetters(const std::string& service, std::ostream& out) const
{
    SpoolDatabase db(path(service), service, SpoolDatabase::READ);
    // Pages of letters, each in a read transaction of its own: one transaction for the whole
    // export (into a pager the operator reads at leisure) kept the daemon's checkpoints from
    // syncing and the WAL from starting over.
    SpoolStatement letters(db.handle(), "SELECT letter, seq, stream, id, reason, dead_at_us, attempts, requeued, body "
                                        "FROM dead_letters WHERE letter > ?1 ORDER BY letter LIMIT " + std::to_string(EXPORT_PAGE));
    size_t count = 0;
    int64_t after = 0;
    for (;;) {
        std::vector<std::string> lines;
        letters.bind(1, after);
        while (letters.step()) {
            after = letters.integer(0);
            rapidjson::StringBuffer buffer;
            JsonWriter writer(buffer);
            writer.StartObject();
            writeString(writer, "service", service);
            writeInt(writer, "letter", letters.integer(0));
            writeInt(writer, "seq", letters.integer(1));
            writeString(writer, "stream", letters.bytes(2));
            writeString(writer, "id", letters.bytes(3));
            writeString(writer, "reason", letters.bytes(4));
            writeString(writer, "dead_at", isoTime(letters.integer(5)));
            writeInt(writer, "attempts", letters.integer(6));
            writer.Key("requeued");
            writer.Bool(letters.integer(7) != 0);
            // The event exactly as it was refused; bytes that are not JSON (never written by the
            // daemon, but a file can be edited) are kept as a string instead.
            std::string body = letters.bytes(8);
            rapidjson::Document parsed;
            parsed.Parse(body.data(), body.size());
            if (!parsed.HasParseError() && parsed.IsObject()) {
                writer.Key("event");
                writer.RawValue(body.data(), body.size(), rapidjson::kObjectType);
            } else {
                writeString(writer, "event_bytes", body);
            }
            writer.EndObject();
            lines.emplace_back(buffer.GetString(), buffer.GetSize());
        }
        letters.reset();
        // Written only now: the statement is done and holds no read transaction while the reader
        // of the output takes its time.
        for (const std::string& line : lines)
            out << line << '\n';
        count += lines.size();
        if (lines.size() < EXPORT_PAGE)
            return count;
    }
}

size_t SpoolInspector::change(const std::string& service, const std::vector<int64_t>& letters,
    const std::string& all, const std::string& one) const
{
    SpoolDatabase db(path(service), service, SpoolDatabase::CHANGE);
    size_t changed = 0;
    db.exec("BEGIN IMMEDIATE");
    try {
        if (letters.empty()) {
            SpoolStatement statement(db.handle(), all);
            statement.run();
            changed = static_cast<size_t>(sqlite3_changes(db.handle()));
        } else {
            SpoolStatement statement(db.handle(), one);
            for (int64_t letter : letters) {
                statement.bind(1, letter);
                statement.run();
                changed += static_cast<size_t>(sqlite3_changes(db.handle()));
            }
        }
        db.exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return changed;
}

size_t SpoolInspector::requeue(const std::string& service, const std::vector<int64_t>& letters) const
{
    return change(service, letters, "UPDATE dead_letters SET requeued = 1 WHERE requeued = 0",
        "UPDATE dead_letters SET requeued = 1 WHERE letter = ?1 AND requeued = 0");
}

size_t SpoolInspector::purge(const std::string& service, const std::vector<int64_t>& letters) const
{
    return change(service, letters, "DELETE FROM dead_letters", "DELETE FROM dead_letters WHERE letter = ?1");
}

} // namespace eventbus
