import GRDB

extension DatabaseQueue {
    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is
    /// taken at the start, so a claim's read and its conditional update see
    /// the same database, and two processes never both win.
    func inImmediateTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else { preconditionFailure("a committed transaction always ran its body") }
            return result
        }
    }
}
