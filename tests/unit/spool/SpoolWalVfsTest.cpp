// SpoolWalVfs against real files: a transaction's frames go out in few writes, and what a commit
// leaves in the files is complete the moment it returns (another connection, a copy of the files
// as a crash would leave them), and a write that fails fails the commit.
#include "SpoolWalVfs.h"
#include "TestEnv.h"

#include <cppunit/extensions/HelperMacros.h>
#include <sqlite3.h>

#include <csignal>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>

using eventbus::SpoolWalVfs;
namespace test = eventbus::test;

namespace {

/// A connection through the VFS under test (vfs null: SQLite's default one).
class Db {
public:
    Db(const std::string& path, const char* vfs, int pageSize = 4096)
    {
        if (sqlite3_open_v2(path.c_str(), &_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) != SQLITE_OK)
            throw std::runtime_error("open " + path + ": " + sqlite3_errmsg(_db));
        exec("PRAGMA page_size=" + std::to_string(pageSize));
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        exec("PRAGMA wal_autocheckpoint=0"); // frames stay in the WAL, where the test looks for them
        exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB)");
    }
    ~Db() { sqlite3_close(_db); }
    /// The connection's open WAL file, for writing to it directly.
    sqlite3_file* wal()
    {
        sqlite3_file* file = nullptr;
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, sqlite3_file_control(_db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file));
        CPPUNIT_ASSERT(file && file->pMethods);
        return file;
    }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    int exec(const std::string& sql)
    {
        int rc = sqlite3_exec(_db, sql.c_str(), nullptr, nullptr, nullptr);
        return rc;
    }
    /// Inserts a blob of bytes bytes under key in its own transaction; SQLite's result code.
    int insert(int key, size_t bytes)
    {
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(_db, "INSERT INTO t (k, v) VALUES (?1, ?2)", -1, &stmt, nullptr);
        std::string blob(bytes, '\0');
        for (size_t i = 0; i < bytes; ++i)
            blob[i] = static_cast<char>((i * 131 + static_cast<size_t>(key)) & 0xff);
        sqlite3_bind_int(stmt, 1, key);
        sqlite3_bind_blob(stmt, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
        int rc = sqlite3_step(stmt);
        sqlite3_finalize(stmt);
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    /// The blob under key is there, with the bytes insert() wrote.
    bool holds(int key, size_t bytes)
    {
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(_db, "SELECT v FROM t WHERE k = ?1", -1, &stmt, nullptr);
        sqlite3_bind_int(stmt, 1, key);
        bool ok = false;
        if (sqlite3_step(stmt) == SQLITE_ROW && static_cast<size_t>(sqlite3_column_bytes(stmt, 0)) == bytes) {
            const auto* v = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, 0));
            ok = true;
            for (size_t i = 0; i < bytes && ok; ++i)
                ok = v[i] == ((i * 131 + static_cast<size_t>(key)) & 0xff);
        }
        sqlite3_finalize(stmt);
        return ok;
    }
    std::string integrity()
    {
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(_db, "PRAGMA integrity_check", -1, &stmt, nullptr);
        std::string result = sqlite3_step(stmt) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)) : "no row";
        sqlite3_finalize(stmt);
        return result;
    }

private:
    sqlite3* _db = nullptr;
};

/// A WAL frame header: commit is its commit size (non-zero for a transaction's last frame), mark
/// its last byte, to tell headers apart in the file.
std::string frameHeader(unsigned char commit, unsigned char mark)
{
    std::string h(24, '\0');
    h[7] = static_cast<char>(commit);
    h[23] = static_cast<char>(mark);
    return h;
}

off_t fileSize(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

} // namespace

class SpoolWalVfsTest : public CppUnit::TestFixture {
    CPPUNIT_TEST_SUITE(SpoolWalVfsTest);
    CPPUNIT_TEST(testATransactionsFramesGoOutInFewWrites);
    CPPUNIT_TEST(testAnotherConnectionSeesACommitAtOnce);
    CPPUNIT_TEST(testWhatACrashLeavesHoldsEveryCommit);
    CPPUNIT_TEST(testLargePagesAndLargeTransactions);
    CPPUNIT_TEST(testAFailedWriteFailsTheCommit);
    CPPUNIT_TEST(testRewrittenChecksumsAreWrittenBeforeTheCommitReturns);
    CPPUNIT_TEST(testAWriteBelowTheEndIsNeverHeldBack);
    CPPUNIT_TEST(testWhatARollbackLeftGoesOutBeforeTheWriteLockIsReleased);
    CPPUNIT_TEST(testARolledBackSpillNeverOverwritesAnotherCommit);
    CPPUNIT_TEST_SUITE_END();

public:
    void testATransactionsFramesGoOutInFewWrites()
    {
        test::ScratchDir dir;
        Db db(dir.file("a.db"), SpoolWalVfs::name());
        uint64_t frames = SpoolWalVfs::framesWritten();
        uint64_t writes = SpoolWalVfs::writes();
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, db.insert(1, 200 * 1024)); // about 50 overflow pages
        frames = SpoolWalVfs::framesWritten() - frames;
        writes = SpoolWalVfs::writes() - writes;
        CPPUNIT_ASSERT(frames >= 50);
        CPPUNIT_ASSERT(writes >= 1);
        // Two writes per frame without the VFS; gathered, one per 120 KB.
        CPPUNIT_ASSERT_MESSAGE(std::to_string(writes) + " writes for " + std::to_string(frames) + " frames", writes <= 3);
        CPPUNIT_ASSERT(db.holds(1, 200 * 1024));
    }

    void testAnotherConnectionSeesACommitAtOnce()
    {
        test::ScratchDir dir;
        Db writer(dir.file("a.db"), SpoolWalVfs::name());
        Db reader(dir.file("a.db"), nullptr); // SQLite's own VFS: reads what is in the file
        for (int key = 1; key <= 20; ++key) {
            CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(key, 1000 + 7000 * static_cast<size_t>(key)));
            CPPUNIT_ASSERT_MESSAGE(std::to_string(key), reader.holds(key, 1000 + 7000 * static_cast<size_t>(key)));
        }
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), reader.integrity());
    }

    void testWhatACrashLeavesHoldsEveryCommit()
    {
        test::ScratchDir dir;
        Db writer(dir.file("a.db"), SpoolWalVfs::name());
        for (int key = 1; key <= 10; ++key)
            CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(key, 30000));
        CPPUNIT_ASSERT(fileSize(dir.file("a.db-wal")) > 10 * 30000);
        // The files as a killed process leaves them: the writer is still open, nothing more written.
        test::writeFile(dir.file("copy.db"), test::readFile(dir.file("a.db")));
        test::writeFile(dir.file("copy.db-wal"), test::readFile(dir.file("a.db-wal")));
        Db copy(dir.file("copy.db"), nullptr);
        for (int key = 1; key <= 10; ++key)
            CPPUNIT_ASSERT_MESSAGE(std::to_string(key), copy.holds(key, 30000));
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), copy.integrity());
    }

    void testLargePagesAndLargeTransactions()
    {
        // 64 KB pages: a frame is larger than half of what is gathered at once.
        test::ScratchDir dir;
        Db writer(dir.file("a.db"), SpoolWalVfs::name(), 65536);
        Db reader(dir.file("a.db"), nullptr, 65536);
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(1, 3 * 1024 * 1024));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(2, 10));
        CPPUNIT_ASSERT(reader.holds(1, 3 * 1024 * 1024));
        CPPUNIT_ASSERT(reader.holds(2, 10));
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), reader.integrity());
    }

    void testRewrittenChecksumsAreWrittenBeforeTheCommitReturns()
    {
        // A transaction larger than the page cache spills frames to the WAL before its commit and
        // changes spilled pages again (which SQLite may write again in place, rewriting checksums;
        // testAWriteBelowTheEndIsNeverHeldBack drives that path directly). Whatever SQLite wrote,
        // the files hold the commit when it returns, as a crash would leave them.
        test::ScratchDir dir;
        Db writer(dir.file("a.db"), SpoolWalVfs::name());
        writer.exec("PRAGMA cache_size=5");
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.exec("BEGIN"));
        for (int key = 1; key <= 40; ++key)
            CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(key, 3000));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.exec("UPDATE t SET v = v WHERE k <= 3"));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.exec("COMMIT"));
        test::writeFile(dir.file("copy.db"), test::readFile(dir.file("a.db")));
        test::writeFile(dir.file("copy.db-wal"), test::readFile(dir.file("a.db-wal")));
        Db copy(dir.file("copy.db"), nullptr);
        for (int key = 1; key <= 40; ++key)
            CPPUNIT_ASSERT_MESSAGE(std::to_string(key), copy.holds(key, 3000));
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), copy.integrity());
    }

    void testAWriteBelowTheEndIsNeverHeldBack()
    {
        // The VFS's WAL file driven directly, past the last commit of a real connection's WAL
        // (where nothing reads): after a commit SQLite may rewrite frame headers in place (new
        // checksums), the commit frame's header last. No page follows such a header, so it must
        // go out at once rather than wait for a page like an appended commit header.
        test::ScratchDir dir;
        Db db(dir.file("a.db"), SpoolWalVfs::name());
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, db.insert(1, 100));
        sqlite3_file* wal = db.wal();
        const std::string path = dir.file("a.db-wal");
        const sqlite3_int64 end = fileSize(path);
        auto size = [&] { return static_cast<sqlite3_int64>(fileSize(path)); };
        auto byteAt = [&](sqlite3_int64 offset) { return static_cast<int>(test::readFile(path).at(static_cast<size_t>(offset))); };
        const std::string page(4096, 'p');
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, frameHeader(0, 1).data(), 24, end));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, page.data(), 4096, end + 24));
        CPPUNIT_ASSERT_EQUAL(end, size()); // gathered
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, frameHeader(2, 2).data(), 24, end + 4120));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, page.data(), 4096, end + 4144));
        CPPUNIT_ASSERT_EQUAL(end + 8240, size()); // the commit frame's page ends the transaction
        // Both headers rewritten in place, the commit frame's last: each in the file at once.
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, frameHeader(0, 3).data(), 24, end));
        CPPUNIT_ASSERT_EQUAL(3, byteAt(end + 23));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, frameHeader(2, 4).data(), 24, end + 4120));
        CPPUNIT_ASSERT_EQUAL(4, byteAt(end + 4143));
        // Appending resumes at the end, gathered again.
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, frameHeader(0, 5).data(), 24, end + 8240));
        CPPUNIT_ASSERT_EQUAL(end + 8240, size());
        sqlite3_int64 reported = 0;
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xFileSize(wal, &reported)); // writes what is gathered first
        CPPUNIT_ASSERT_EQUAL(end + 8264, reported);
    }

    void testWhatARollbackLeftGoesOutBeforeTheWriteLockIsReleased()
    {
        // Frames a transaction spilled and then rolled back stay gathered (no commit frame ends
        // them). They must reach the file while the connection still holds the WAL's write lock:
        // later, another connection may have committed frames at the same places.
        test::ScratchDir dir;
        Db db(dir.file("a.db"), SpoolWalVfs::name());
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, db.insert(1, 100));
        sqlite3_file* wal = db.wal();
        const std::string path = dir.file("a.db-wal");
        const off_t end = fileSize(path);
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, db.exec("BEGIN IMMEDIATE")); // takes the write lock
        const std::string header = frameHeader(0, 0); // not a commit frame
        const std::string page(4096, 'p');
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, header.data(), 24, end));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, wal->pMethods->xWrite(wal, page.data(), 4096, end + 24));
        CPPUNIT_ASSERT_EQUAL(end, fileSize(path)); // gathered
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, db.exec("ROLLBACK")); // gives the write lock up
        CPPUNIT_ASSERT_EQUAL(end + 4120, fileSize(path));
        // Past the last commit, nothing reads them: the file is as it was.
        Db reader(dir.file("a.db"), nullptr);
        CPPUNIT_ASSERT(reader.holds(1, 100));
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), reader.integrity());
    }

    void testARolledBackSpillNeverOverwritesAnotherCommit()
    {
        // A rolled-back transaction that spilled, then another connection (the operator's tool)
        // committing where the spilled frames were, then the first connection using the WAL
        // again: the other connection's commit stays intact. (Whether frames are still gathered
        // at the rollback depends on SQLite's reads in between;
        // testWhatARollbackLeftGoesOutBeforeTheWriteLockIsReleased drives that case directly.)
        test::ScratchDir dir;
        Db writer(dir.file("a.db"), SpoolWalVfs::name());
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(1, 100));
        writer.exec("PRAGMA cache_size=5");
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.exec("BEGIN"));
        for (int key = 100; key < 120; ++key)
            CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(key, 3000));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.exec("ROLLBACK"));
        {
            Db other(dir.file("a.db"), nullptr);
            for (int key = 200; key < 220; ++key)
                CPPUNIT_ASSERT_EQUAL(SQLITE_OK, other.insert(key, 3000));
        }
        // The writer reads and writes the WAL again (whatever it still held would go out now).
        CPPUNIT_ASSERT(writer.holds(1, 100));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(2, 100));
        Db reader(dir.file("a.db"), nullptr);
        for (int key = 200; key < 220; ++key)
            CPPUNIT_ASSERT_MESSAGE(std::to_string(key), reader.holds(key, 3000));
        CPPUNIT_ASSERT(!reader.holds(100, 3000));
        CPPUNIT_ASSERT(reader.holds(2, 100));
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), reader.integrity());
    }

    void testAFailedWriteFailsTheCommit()
    {
        test::ScratchDir dir;
        Db writer(dir.file("a.db"), SpoolWalVfs::name());
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(1, 5000));
        // A file size limit just past the WAL's end: the next commit's gathered frames cannot all
        // be written (EFBIG, as a full disk gives ENOSPC), and the commit must say so.
        struct sigaction ignore {}, previous {};
        ignore.sa_handler = SIG_IGN;
        CPPUNIT_ASSERT_EQUAL(0, sigaction(SIGXFSZ, &ignore, &previous));
        struct rlimit old {};
        CPPUNIT_ASSERT_EQUAL(0, getrlimit(RLIMIT_FSIZE, &old));
        struct rlimit limit = old;
        limit.rlim_cur = static_cast<rlim_t>(fileSize(dir.file("a.db-wal")) + 20000);
        CPPUNIT_ASSERT_MESSAGE("the hard file size limit is below the WAL", limit.rlim_cur <= old.rlim_max);
        CPPUNIT_ASSERT_EQUAL(0, setrlimit(RLIMIT_FSIZE, &limit));
        int rc = writer.insert(2, 100000);
        CPPUNIT_ASSERT_EQUAL(0, setrlimit(RLIMIT_FSIZE, &old));
        CPPUNIT_ASSERT_EQUAL(0, sigaction(SIGXFSZ, &previous, nullptr));
        CPPUNIT_ASSERT_MESSAGE(sqlite3_errstr(rc), rc != SQLITE_OK);
        // Nothing of it is visible, and the file takes the next commit.
        Db reader(dir.file("a.db"), nullptr);
        CPPUNIT_ASSERT(!reader.holds(2, 100000));
        CPPUNIT_ASSERT(reader.holds(1, 5000));
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, writer.insert(3, 100000));
        CPPUNIT_ASSERT(reader.holds(3, 100000));
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), reader.integrity());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SpoolWalVfsTest);
