import GRDB
import GRDBSQLite
import SluiceCore

/// Inserts mapped rows into one table through prepared statements, binding
/// values straight with `sqlite3_bind_*` (about twice as fast as GRDB's
/// argument arrays), many rows per statement.
///
/// A group that violates a constraint undoes only itself; its rows are then
/// inserted one by one, and each refused row becomes a rejection. With a
/// `line` column, each row's line in the input (a group's first line) goes
/// in too: as its rowid, so that a stage read by rowid is in the input's
/// order, or in a column of its own.
struct SQLiteRowWriter {
    /// Where a row's input line goes.
    enum LineColumn {
        /// The rowid, by this alias.
        case rowID(String)
        case column(String)

        var name: String {
            switch self {
            case .rowID(let name), .column(let name): name
            }
        }
    }

    private let insert: Statement
    /// The same INSERT for `rowsPerStatement` rows at once: one statement
    /// step per many rows is markedly cheaper than one per row.
    private let insertMany: Statement
    private let rowsPerStatement: Int
    private let lineColumn: LineColumn?

    init(table: String, columns: [String], upsertKey: [String], line lineColumn: LineColumn? = nil, in db: Database) throws {
        let names = (lineColumn.map { [$0.name] } ?? []) + columns
        self.lineColumn = lineColumn
        rowsPerStatement = max(1, min(64, 32_000 / max(1, names.count)))
        // A set rowid could collide, and a many-row INSERT that may abort
        // halfway makes SQLite copy every page it touches into a statement
        // journal first: ten times the writes of the import itself. No rowid
        // collides here (a group's first line is its own, and a chunk writes
        // its groups once), so `OR IGNORE` is safe, and `checkAllInserted`
        // turns a collision into an error all the same.
        let orIgnore: Bool
        if case .rowID = lineColumn { orIgnore = true } else { orIgnore = false }
        insert = try db.makeStatement(sql: SQLiteSchema.insert(into: table, columns: names, upsertKey: upsertKey, orIgnore: orIgnore))
        insertMany = try db.makeStatement(sql: SQLiteSchema.insert(into: table, columns: names, upsertKey: upsertKey,
                                                                   rows: rowsPerStatement, orIgnore: orIgnore))
    }

    /// With set rowids, a statement that inserted fewer rows than it was
    /// given met a rowid already there: a line written twice.
    private func checkAllInserted(_ count: Int, firstRow row: Int, of batch: some WritableRows, db: Database) throws {
        guard case .rowID = lineColumn, Int(sqlite3_changes(db.sqliteConnection)) != count else { return }
        let lines = count == 1 ? "line \(batch.line(ofRow: row))" : "one of the \(count) lines from line \(batch.line(ofRow: row))"
        throw DatabaseError(resultCode: .SQLITE_CONSTRAINT_PRIMARYKEY, message: "\(lines) is already staged; two chunks overlap")
    }

    /// Writes the rows (a batch's good rows, or groups); returns the rows
    /// the database refused.
    func write<Rows: WritableRows>(_ batch: Rows, in db: Database) throws -> [Rejection] {
        var refused: [Rejection] = []
        try batch.values.withUnsafeBufferPointer { values in
            var row = 0
            while row < batch.rowCount {
                let many = batch.rowCount - row >= rowsPerStatement
                let count = many ? rowsPerStatement : 1
                let statement = (many ? insertMany : insert).sqliteStatement
                for offset in 0..<count { bind(row + offset, of: batch, values: values, to: statement, group: offset) }
                let code = sqlite3_step(statement)
                sqlite3_reset(statement)
                if code == SQLITE_DONE {
                    try checkAllInserted(count, firstRow: row, of: batch, db: db)
                    row += count
                } else if code & 0xFF == SQLITE_CONSTRAINT && many {
                    // The statement undid itself; find the refused rows one at a time.
                    for single in row..<(row + count) {
                        if let rejection = try insertOne(single, of: batch, values: values, db: db) { refused.append(rejection) }
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

    /// Binds good row `row` as the `group`-th row of a statement's placeholders.
    @inline(__always)
    private func bind<Rows: WritableRows>(_ row: Int, of batch: Rows, values: UnsafeBufferPointer<Value>, to statement: OpaquePointer, group: Int) {
        let width = batch.columnCount + (lineColumn == nil ? 0 : 1)
        var index = Int32(group * width + 1)
        if lineColumn != nil {
            sqlite3_bind_int64(statement, index, Int64(batch.line(ofRow: row)))
            index += 1
        }
        for column in 0..<batch.columnCount {
            SQLiteBinder.bind(values[row * batch.columnCount + column], to: statement, at: index + Int32(column))
        }
    }

    /// Inserts one row; a constraint violation becomes its rejection.
    private func insertOne<Rows: WritableRows>(_ row: Int, of batch: Rows, values: UnsafeBufferPointer<Value>, db: Database) throws -> Rejection? {
        let statement = insert.sqliteStatement
        bind(row, of: batch, values: values, to: statement, group: 0)
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else { return try Self.refusal(code, row: row, of: batch, db: db) }
        try checkAllInserted(1, firstRow: row, of: batch, db: db)
        return nil
    }

    /// A row the database refused as a rejection; any other failure throws.
    private static func refusal<Rows: WritableRows>(_ code: Int32, row: Int, of batch: Rows, db: Database) throws -> Rejection? {
        let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
        guard code & 0xFF == SQLITE_CONSTRAINT else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        return batch.rejection(ofRow: row, error: RowError(kind: .constraint, message: message))
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
