import Foundation
import GRDB
import SluiceCore

/// Named locks on SQLite as leases in `sluice_locks`: SQLite has no locks
/// that outlive a transaction, so a holder renews its row before
/// `LockTiming.lease` runs out, and a holder that died stops renewing.
/// Each driver instance is one holder.
final class SQLiteLockService: LockService {
    private let queue: DatabaseQueue
    private let path: String
    private let owner = UUID().uuidString

    init(queue: DatabaseQueue, path: String) {
        self.queue = queue
        self.path = path
    }

    private func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.inImmediateTransaction(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    func lockTry(_ name: String, now: Date) throws -> Bool {
        let nowMS = Int64(now.timeIntervalSince1970 * 1000), expires = nowMS + Int64(LockTiming.lease * 1000)
        return try immediate { db in
            // Free, expired, or already ours: it becomes ours with a fresh lease.
            try db.execute(sql: """
                INSERT INTO sluice_locks (name, owner, expires_ms) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_ms = excluded.expires_ms
                WHERE sluice_locks.owner = excluded.owner OR sluice_locks.expires_ms <= ?
                """, arguments: [name, owner, expires, nowMS])
            return db.changesCount == 1
        }
    }

    func lockRenew(_ name: String, now: Date) throws -> Bool {
        let nowMS = Int64(now.timeIntervalSince1970 * 1000)
        return try immediate { db in
            try db.execute(sql: "UPDATE sluice_locks SET expires_ms = ? WHERE name = ? AND owner = ? AND expires_ms > ?",
                           arguments: [nowMS + Int64(LockTiming.lease * 1000), name, owner, nowMS])
            return db.changesCount == 1
        }
    }

    func lockRelease(_ name: String) throws -> Bool {
        try immediate { db in
            try db.execute(sql: "DELETE FROM sluice_locks WHERE name = ? AND owner = ?", arguments: [name, owner])
            return db.changesCount == 1
        }
    }
}
