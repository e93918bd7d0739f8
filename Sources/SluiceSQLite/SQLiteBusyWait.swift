import Foundation
import GRDB

/// How a connection waits for another process's write lock.
///
/// SQLite's own busy timeout sleeps longer and longer between tries (up to
/// 100 ms), so a waiting process sleeps on long after the lock came free,
/// and the process that just committed takes it again. With two workers on
/// one file the lock then sits idle between their transactions: `bench/
/// chunks_sqlite.sh` measured two worker processes at about 0.9× the
/// foreground import with SQLite's wait, and at about 1.0× with a try every
/// 2 ms (docs/BENCHMARKS.md). A try is a lock attempt on shared memory, so
/// trying often costs next to nothing.
enum SQLiteBusyWait {
    static let interval: TimeInterval = 0.002

    /// Tries again every `interval` until `timeout` has passed.
    static func mode(timeout: TimeInterval) -> Database.BusyMode {
        let tries = max(1, Int((timeout / interval).rounded(.up)))
        let micros = useconds_t(interval * 1_000_000)
        return .callback { numberOfTries in
            guard numberOfTries < tries else { return false }
            usleep(micros)
            return true
        }
    }
}
