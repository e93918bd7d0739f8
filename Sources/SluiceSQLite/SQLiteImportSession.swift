import Foundation
import GRDB
import GRDBSQLite
import SluiceCore

/// One import into SQLite: a single `BEGIN IMMEDIATE … COMMIT` around the
/// table's preparation, every row, the job's end and its errors.
///
/// Rows are bound straight onto the prepared statement with `sqlite3_bind_*`
/// (about twice as fast as GRDB's argument arrays); a row that violates a
/// constraint only fails its own statement, and becomes a rejection.
final class SQLiteImportSession: ImportSession {
    private let queue: DatabaseQueue
    private let path: String
    private var plan: ImportPlan?
    private var insert: Statement?
    private var open = false

    init(queue: DatabaseQueue, path: String) {
        self.queue = queue
        self.path = path
    }

    private func inDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.inDatabase(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    func begin(plan: ImportPlan) throws {
        self.plan = plan
        try inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            open = true
            let table = SQLiteTypes.quote(plan.table)
            if plan.createsTable {
                try db.execute(sql: SQLiteSchema.createTable(plan.table, columns: plan.columns.map { ($0.name, $0.type) },
                                                             uniqueKey: plan.mode == .upsert ? plan.key : []))
            }
            for name in plan.addedColumns {
                let type = plan.columns.first { $0.name == name }?.type ?? .text
                try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN \(SQLiteTypes.quote(name)) \(SQLiteTypes.declaration(type))")
            }
            if plan.mode == .upsert && !plan.createsTable { try SQLiteSchema.ensureUniqueIndex(on: plan.table, key: plan.key, in: db) }
            if plan.mode == .replace && !plan.createsTable { try db.execute(sql: "DELETE FROM \(table)") }
            insert = try db.makeStatement(sql: SQLiteSchema.insert(into: plan.table, columns: plan.columns.map(\.name),
                                                                   upsertKey: plan.mode == .upsert ? plan.key : []))
        }
    }

    func write(_ batch: MappedBatch) throws -> [Rejection] {
        guard let insert else { preconditionFailure("write before begin") }
        return try inDatabase { db in
            let statement = insert.sqliteStatement
            var refused: [Rejection] = []
            try batch.values.withUnsafeBufferPointer { values in
                for row in 0..<batch.rowCount {
                    let base = row * batch.columnCount
                    for column in 0..<batch.columnCount {
                        SQLiteBinder.bind(values[base + column], to: statement, at: Int32(column + 1))
                    }
                    let code = sqlite3_step(statement)
                    sqlite3_reset(statement)
                    if code == SQLITE_DONE { continue }
                    let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                    if code & 0xFF == SQLITE_CONSTRAINT {
                        refused.append(batch.rejection(ofRow: row, error: RowError(kind: .constraint, message: message)))
                    } else {
                        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
                    }
                }
            }
            return refused
        }
    }

    func commit(widened: [ColumnType?], finishing job: JobFinishParams?, rejections: RejectionSpool?) throws {
        guard let plan else { preconditionFailure("commit before begin") }
        try inDatabase { db in
            insert = nil
            if plan.createsTable, widened.contains(where: { $0 != nil }) {
                let columns = zip(plan.columns, widened).map { column, wider in (column.name, wider ?? column.type) }
                try SQLiteSchema.rebuild(plan.table, columns: columns, uniqueKey: plan.mode == .upsert ? plan.key : [], in: db)
            }
            if let job {
                if let rejections {
                    try rejections.forEachChunk { try SQLiteJobStore.insertErrors(jobID: job.id, rejections: $0, in: db) }
                }
                _ = try SQLiteJobStore.finish(job, in: db)
            }
            try db.execute(sql: "COMMIT")
            open = false
        }
    }

    func rollback() {
        insert = nil
        guard open else { return }
        try? inDatabase { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
        }
        open = false
    }
}

/// Binds Sluice values onto an SQLite statement without going through GRDB.
enum SQLiteBinder {
    /// Tells SQLite to copy the text: Swift's small strings live on the stack.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always)
    static func bind(_ value: Value, to statement: OpaquePointer, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(statement, index)
        case .integer(let number): sqlite3_bind_int64(statement, index, number)
        case .real(let number): sqlite3_bind_double(statement, index, number)
        case .text(var text):
            text.withUTF8 { bytes in
                _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                                      Int32(bytes.count), transient)
            }
        }
    }
}
