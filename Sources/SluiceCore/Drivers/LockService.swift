import Foundation

/// Named locks that every process on one database shares: at most one
/// holder at a time. The holder is the driver instance (one connection),
/// so two drivers in one process are two holders.
///
/// How a dead holder's lock comes free is the database's: PostgreSQL keeps
/// an advisory lock with its connection, freed the moment that connection
/// closes or its process dies; SQLite keeps a row in a lease table, freed
/// when its lease runs out unrenewed. Holders renew within the lease either way.
public protocol LockService: Sendable {
    /// Takes `name` unless another holder has it; true when this one holds it
    /// now (taking a lock it already holds renews it).
    func lockTry(_ name: String, now: Date) throws -> Bool
    /// Keeps a held lock; false when this holder no longer has it.
    func lockRenew(_ name: String, now: Date) throws -> Bool
    /// Lets go of `name`; false when this holder did not have it.
    @discardableResult func lockRelease(_ name: String) throws -> Bool
}

/// How long a lease-table lock lasts without a renewal.
public enum LockTiming {
    public static let lease: TimeInterval = 30
}
