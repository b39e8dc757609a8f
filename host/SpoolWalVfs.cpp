#include "SpoolWalVfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

namespace eventbus {

namespace {

/// A WAL frame header: page number, commit size (non-zero for the last frame of a transaction),
/// two salts, two checksums (https://www.sqlite.org/fileformat2.html#walformat).
const int FRAME_HEADER = 24;
/// A commit larger than this goes out in several writes. The unix VFS writes at most 128 KB - 1 in
/// one call (it masks the length with 0x1ffff, as no page is larger), so gathered frames stay below.
const size_t BUFFER_BYTES = 120 * 1024;

std::atomic<uint64_t> g_frames{0};
std::atomic<uint64_t> g_writes{0};

sqlite3_vfs g_vfs;
sqlite3_vfs* g_real = nullptr;

/// What SQLite allocates for one open file: ours first, the real VFS's file after it.
struct File {
    sqlite3_file base;
    sqlite3_file* real;
    std::string* pending;   ///< a WAL's frames not written yet; null for other files
    sqlite3_int64 start;    ///< where pending goes in the file
    sqlite3_int64 appendAt; ///< a WAL's end as this connection wrote it: a write below rewrites a frame
    bool commitPage;        ///< the last frame header gathered was a commit's: its page ends the transaction
    File* wal;              ///< a database's WAL, while both are open
    File* db;               ///< a WAL's database, while both are open
};

/// The default VFS's file inside ours, which every method but the WAL's writes forwards to.
sqlite3_file* real(sqlite3_file* file) { return reinterpret_cast<File*>(file)->real; }

int flush(File* f)
{
    if (!f->pending || f->pending->empty())
        return SQLITE_OK;
    int rc = f->real->pMethods->xWrite(f->real, f->pending->data(), static_cast<int>(f->pending->size()), f->start);
    f->pending->clear();
    g_writes.fetch_add(1, std::memory_order_relaxed);
    return rc;
}

/// What is gathered goes out before the real file does anything that reads or moves the WAL's end.
template <typename Call>
int afterFlush(sqlite3_file* file, Call call)
{
    int rc = flush(reinterpret_cast<File*>(file));
    return rc != SQLITE_OK ? rc : call(real(file));
}

int xClose(sqlite3_file* file)
{
    File* f = reinterpret_cast<File*>(file);
    if (f->wal)
        f->wal->db = nullptr;
    if (f->db)
        f->db->wal = nullptr;
    int flushed = flush(f);
    int rc = f->real->pMethods->xClose(f->real);
    delete f->pending;
    f->pending = nullptr;
    return rc != SQLITE_OK ? rc : flushed;
}

int xRead(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset)
{
    return afterFlush(file, [&](sqlite3_file* r) { return r->pMethods->xRead(r, data, amount, offset); });
}

int xWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset)
{
    File* f = reinterpret_cast<File*>(file);
    if (!f->pending)
        return f->real->pMethods->xWrite(f->real, data, amount, offset);
    std::string& pending = *f->pending;
    // Only frames appended at the WAL's end (a header, then its page) are gathered. Anything else
    // writes what is gathered, then goes out as it came: the WAL's own header (a restart), a
    // page changed again in place and the checksums SQLite then rewrites (all below the end, the
    // commit frame's header last), and writes of any other shape.
    bool header = amount == FRAME_HEADER;
    bool append = offset >= f->appendAt;
    bool contiguous = !pending.empty() && offset == f->start + static_cast<sqlite3_int64>(pending.size());
    if (!contiguous || !append || pending.size() + static_cast<size_t>(amount) > BUFFER_BYTES) {
        int rc = flush(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (!append || offset == 0 || (!header && !f->commitPage && pending.empty())) {
        f->commitPage = false;
        int rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
        if (rc == SQLITE_OK && (offset == 0 || append))
            f->appendAt = offset + amount;
        return rc;
    }
    try {
        if (pending.empty())
            f->start = offset;
        pending.append(static_cast<const char*>(data), static_cast<size_t>(amount));
    } catch (const std::bad_alloc&) {
        pending.clear();
        return SQLITE_IOERR_NOMEM;
    }
    f->appendAt = offset + amount;
    if (header) {
        const unsigned char* h = static_cast<const unsigned char*>(data);
        f->commitPage = (h[4] | h[5] | h[6] | h[7]) != 0;
        g_frames.fetch_add(1, std::memory_order_relaxed);
        return SQLITE_OK;
    }
    if (!f->commitPage)
        return SQLITE_OK;
    // The commit frame's page: the transaction is complete. It is written now, before SQLite
    // publishes the commit in the WAL index, so that a failure fails the commit.
    f->commitPage = false;
    return flush(f);
}

int xTruncate(sqlite3_file* file, sqlite3_int64 size)
{
    return afterFlush(file, [&](sqlite3_file* r) { return r->pMethods->xTruncate(r, size); });
}

int xSync(sqlite3_file* file, int flags)
{
    return afterFlush(file, [&](sqlite3_file* r) { return r->pMethods->xSync(r, flags); });
}

int xFileSize(sqlite3_file* file, sqlite3_int64* size)
{
    return afterFlush(file, [&](sqlite3_file* r) { return r->pMethods->xFileSize(r, size); });
}

int xLock(sqlite3_file* file, int lock) { return real(file)->pMethods->xLock(real(file), lock); }
int xUnlock(sqlite3_file* file, int lock) { return real(file)->pMethods->xUnlock(real(file), lock); }
int xCheckReservedLock(sqlite3_file* file, int* out) { return real(file)->pMethods->xCheckReservedLock(real(file), out); }
int xFileControl(sqlite3_file* file, int op, void* arg) { return real(file)->pMethods->xFileControl(real(file), op, arg); }
int xSectorSize(sqlite3_file* file) { return real(file)->pMethods->xSectorSize(real(file)); }
int xDeviceCharacteristics(sqlite3_file* file) { return real(file)->pMethods->xDeviceCharacteristics(real(file)); }
int xShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out)
{
    return real(file)->pMethods->xShmMap(real(file), region, size, extend, out);
}
int xShmLock(sqlite3_file* file, int offset, int n, int flags)
{
    File* f = reinterpret_cast<File*>(file);
    if (offset == 0 && flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE) && f->wal) {
        // The connection gives up the WAL's write lock (slot 0). A commit left nothing gathered;
        // a rolled-back transaction may have left frames it spilled, which are written now, past
        // the WAL's last commit where nothing reads them, while no other connection can write
        // there. Written later, they could land on frames another connection committed. Their
        // write's outcome does not matter: nothing is published from them.
        flush(f->wal);
        f->wal->commitPage = false;
        f->wal->appendAt = 0; // another connection may append next
    }
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void xShmBarrier(sqlite3_file* file) { real(file)->pMethods->xShmBarrier(real(file)); }
int xShmUnmap(sqlite3_file* file, int deleteFlag) { return real(file)->pMethods->xShmUnmap(real(file), deleteFlag); }
int xFetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out)
{
    return afterFlush(file, [&](sqlite3_file* r) { return r->pMethods->xFetch(r, offset, amount, out); });
}
int xUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* page)
{
    return real(file)->pMethods->xUnfetch(real(file), offset, page);
}

const sqlite3_io_methods g_methods = {3, xClose, xRead, xWrite, xTruncate, xSync, xFileSize, xLock, xUnlock,
    xCheckReservedLock, xFileControl, xSectorSize, xDeviceCharacteristics, xShmMap, xShmLock, xShmBarrier, xShmUnmap,
    xFetch, xUnfetch};

int xOpen(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* outFlags)
{
    File* f = reinterpret_cast<File*>(file);
    f->base.pMethods = nullptr;
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->real->pMethods = nullptr;
    f->pending = nullptr;
    f->start = 0;
    f->appendAt = 0;
    f->commitPage = false;
    f->wal = nullptr;
    f->db = nullptr;
    int rc = g_real->xOpen(g_real, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        // SQLite closes a file through our methods only, which a failed open leaves unset.
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        return rc;
    }
    if (!f->real->pMethods)
        return SQLITE_OK;
    if (flags & SQLITE_OPEN_WAL) {
        f->pending = new (std::nothrow) std::string();
        if (!f->pending) {
            f->real->pMethods->xClose(f->real);
            return SQLITE_NOMEM;
        }
        // The database's file is the one that takes the WAL's write lock (xShmLock).
        sqlite3_file* db = sqlite3_database_file_object(name);
        if (db && db->pMethods == &g_methods) {
            f->db = reinterpret_cast<File*>(db);
            f->db->wal = f;
        }
    }
    f->base.pMethods = &g_methods;
    return SQLITE_OK;
}

} // namespace

const char* SpoolWalVfs::name()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Everything but xOpen is the default VFS's own, called with a copy of its fields (unix's
        // functions read only mxPathname and pAppData from it).
        g_real = sqlite3_vfs_find(nullptr);
        g_vfs = *g_real;
        g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
        g_vfs.zName = "eventbus-wal";
        g_vfs.pNext = nullptr;
        g_vfs.xOpen = xOpen;
        sqlite3_vfs_register(&g_vfs, 0);
    });
    return g_vfs.zName;
}

uint64_t SpoolWalVfs::framesWritten() { return g_frames.load(std::memory_order_relaxed); }
uint64_t SpoolWalVfs::writes() { return g_writes.load(std::memory_order_relaxed); }

} // namespace eventbus
