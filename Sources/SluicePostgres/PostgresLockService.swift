import Foundation
import PostgresNIO
import Synchronization
import SluiceCore

/// Named locks on PostgreSQL as session advisory locks
/// (`pg_try_advisory_lock`) of the driver's connection: the server frees
/// them when that connection closes or its process dies, so a renewal only
/// checks that the connection is alive. Names map to 64-bit keys by
/// `hashtextextended`.
final class PostgresLockService: LockService {
    private let link: PostgresLink
    /// The names this connection holds (an advisory lock taken twice would need two unlocks).
    private let held = Mutex<Set<String>>([])

    init(link: PostgresLink) {
        self.link = link
    }

    func lockTry(_ name: String, now: Date) throws -> Bool {
        if held.withLock({ $0.contains(name) }) { return try lockRenew(name, now: now) }
        let taken = try link.query("SELECT pg_try_advisory_lock(hashtextextended(\(name), 0))").rows[0].decode(Bool.self)
        if taken { held.withLock { _ = $0.insert(name) } }
        return taken
    }

    func lockRenew(_ name: String, now: Date) throws -> Bool {
        guard held.withLock({ $0.contains(name) }) else { return false }
        // The lock lives as long as the connection: asking proves both.
        return try link.query("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                           AND ((classid::BIGINT << 32) | objid::BIGINT) = hashtextextended(\(name), 0))
            """).rows[0].decode(Bool.self)
    }

    func lockRelease(_ name: String) throws -> Bool {
        guard held.withLock({ $0.remove(name) }) != nil else { return false }
        return try link.query("SELECT pg_advisory_unlock(hashtextextended(\(name), 0))").rows[0].decode(Bool.self)
    }

    /// Holds `name` until the caller's transaction ends (the publish into one table, for one job at a time).
    static func holdForTransaction(_ name: String, in link: PostgresLink) throws {
        try link.query("SELECT pg_advisory_xact_lock(hashtextextended(\(name), 0))")
    }
}
