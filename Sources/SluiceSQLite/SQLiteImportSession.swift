import Foundation
import GRDB
import GRDBSQLite
import SluiceCore

/// One import into SQLite: a single `BEGIN IMMEDIATE … COMMIT` around the
/// table's preparation, every row, the job's end and its errors.
///
/// Rows are bound straight onto prepared statements with `sqlite3_bind_*`
/// (about twice as fast as GRDB's argument arrays), 64 rows per statement. A
/// group that violates a constraint undoes only itself; its rows are then
/// inserted one by one, and each refused row becomes a rejection.
final class SQLiteImportSession: ImportSession {
    private let queue: DatabaseQueue
    private let path: String
    private var plan: ImportPlan?
    private var insert: Statement?
    /// The same INSERT for `rowsPerStatement` rows at once: one statement
    /// step per many rows is markedly cheaper than one per row.
    private var insertMany: Statement?
    private var rowsPerStatement = 1
    private var open = false
    /// Set for a chunk of a chunked job: rows go to this job's stage.
    private let stageJobID: Int64?

    init(queue: DatabaseQueue, path: String, stageJobID: Int64? = nil) {
        self.queue = queue
        self.path = path
        self.stageJobID = stageJobID
    }

    private func inDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.inDatabase(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    func begin(plan target: ImportPlan) throws {
        try inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            open = true
            let plan = try stageJobID.map { try SQLiteSchema.stagePlan(for: target, jobID: $0, in: db) } ?? target
            self.plan = plan
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
            let names = plan.columns.map(\.name), key = plan.mode == .upsert ? plan.key : []
            insert = try db.makeStatement(sql: SQLiteSchema.insert(into: plan.table, columns: names, upsertKey: key))
            rowsPerStatement = max(1, min(64, 32_000 / max(1, names.count)))
            insertMany = try db.makeStatement(sql: SQLiteSchema.insert(into: plan.table, columns: names, upsertKey: key, rows: rowsPerStatement))
        }
    }

    func write(_ batch: MappedBatch) throws -> [Rejection] {
        guard let insert, let insertMany else { preconditionFailure("write before begin") }
        return try inDatabase { db in
            var refused: [Rejection] = []
            try batch.values.withUnsafeBufferPointer { values in
                var row = 0
                while row < batch.rowCount {
                    let many = batch.rowCount - row >= rowsPerStatement
                    let count = many ? rowsPerStatement : 1
                    let statement = (many ? insertMany : insert).sqliteStatement
                    for index in 0..<(count * batch.columnCount) {
                        SQLiteBinder.bind(values[row * batch.columnCount + index], to: statement, at: Int32(index + 1))
                    }
                    let code = sqlite3_step(statement)
                    sqlite3_reset(statement)
                    if code == SQLITE_DONE {
                        row += count
                    } else if code & 0xFF == SQLITE_CONSTRAINT && many {
                        // The statement undid itself; find the refused rows one at a time.
                        for single in row..<(row + count) {
                            if let rejection = try insertOne(single, of: batch, values: values, statement: insert.sqliteStatement, db: db) {
                                refused.append(rejection)
                            }
                        }
                        row += count
                    } else {
                        if let rejection = try Self.refusal(code, row: row, of: batch, db: db) { refused.append(rejection) }
                        row += 1
                    }
                }
            }
            return refused
        }
    }

    /// Inserts one row; a constraint violation becomes its rejection.
    private func insertOne(_ row: Int, of batch: MappedBatch, values: UnsafeBufferPointer<Value>,
                           statement: OpaquePointer, db: Database) throws -> Rejection? {
        for column in 0..<batch.columnCount {
            SQLiteBinder.bind(values[row * batch.columnCount + column], to: statement, at: Int32(column + 1))
        }
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        return code == SQLITE_DONE ? nil : try Self.refusal(code, row: row, of: batch, db: db)
    }

    /// A row the database refused as a rejection; any other failure throws.
    private static func refusal(_ code: Int32, row: Int, of batch: MappedBatch, db: Database) throws -> Rejection? {
        let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
        guard code & 0xFF == SQLITE_CONSTRAINT else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        return batch.rejection(ofRow: row, error: RowError(kind: .constraint, message: message))
    }

    func commit(widened: [ColumnType?], finishing end: SessionEnd) throws {
        guard let plan else { preconditionFailure("commit before begin") }
        try inDatabase { db in
            insert = nil
            insertMany = nil
            switch end {
            case let .job(job, rejections):
                if plan.createsTable, widened.contains(where: { $0 != nil }) {
                    try SQLiteSchema.rebuild(plan.table, columns: SQLiteSchema.columns(of: plan, widened: widened),
                                             uniqueKey: plan.mode == .upsert ? plan.key : [], in: db)
                }
                if let job {
                    if let rejections {
                        try rejections.forEachChunk { try SQLiteJobStore.insertErrors(jobID: job.id, rejections: $0, in: db) }
                    }
                    _ = try SQLiteJobStore.finish(job, in: db)
                }
            case let .chunk(chunk):
                // A stage's columns widen at publish, from every chunk's findings.
                guard try SQLiteChunkStore.finish(chunk, in: db) else {
                    throw SQLiteDriverError(path: path, message: "chunk \(chunk.id) is no longer leased to \(chunk.owner)")
                }
            }
            try db.execute(sql: "COMMIT")
            open = false
        }
    }

    func rollback() {
        insert = nil
        insertMany = nil
        guard open else { return }
        try? inDatabase { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
        }
        open = false
    }
}

/// Binds Sluice values onto an SQLite statement without going through GRDB.
enum SQLiteBinder {
    /// Tells SQLite to copy the text.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    /// Tells SQLite the text stays put until the statement is reset.
    private static let staticText = unsafeBitCast(0, to: sqlite3_destructor_type.self)

    @inline(__always)
    static func bind(_ value: borrowing Value, to statement: OpaquePointer, at index: Int32) {
        switch value {
        case .null: sqlite3_bind_null(statement, index)
        case .integer(let number): sqlite3_bind_int64(statement, index, number)
        case .real(let number): sqlite3_bind_double(statement, index, number)
        case .text(let text):
            // A string longer than 15 bytes lives in its own heap buffer, kept
            // alive by the batch until after the step: SQLite may read it in
            // place. Shorter ones are stored inline, so SQLite copies them.
            let bound = text.utf8.withContiguousStorageIfAvailable { bytes in
                sqlite3_bind_text(statement, index, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                                  Int32(bytes.count), bytes.count > 15 ? staticText : transient)
            }
            if bound == nil {
                var copy = text
                copy.withUTF8 { bytes in
                    _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
                                          Int32(bytes.count), transient)
                }
            }
        }
    }
}
