// A SQLite VFS that writes a transaction's WAL frames in one write instead of two per frame.
//
// SQLite appends each frame to the WAL as two writes, its 24-byte header and then its page, so a
// commit of 30 pages took 60 pwrite calls, each touching one or two pages of the page cache:
// the spool writer's biggest cost (a sixth of the daemon's CPU with the durable spool). This VFS
// is the default one (unix) with one change: a WAL file gathers consecutive frames in memory and
// writes them at the end of the commit frame's page, the last write of a transaction before
// SQLite publishes it in the WAL index, so a failed write still fails the commit and another
// connection never sees a frame that is not in the file. Every other write (below the WAL's end,
// or not shaped like a frame) goes through unchanged after what is gathered; a read, sync,
// truncate or size query of the WAL writes what is gathered first, and so does giving up the
// WAL's write lock (what a rolled-back transaction spilled).
#ifndef EVENTBUS_HOST_SPOOLWALVFS_H
#define EVENTBUS_HOST_SPOOLWALVFS_H

#include <cstdint>

namespace eventbus {

class SpoolWalVfs {
public:
    /// Registers the VFS (once, not as the default) and returns its name for sqlite3_open_v2.
    static const char* name();
    /// Frames gathered and writes made for them, over the process: what the tests check.
    static uint64_t framesWritten();
    static uint64_t writes();
};

} // namespace eventbus

#endif
