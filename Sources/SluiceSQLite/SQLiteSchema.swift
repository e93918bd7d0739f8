import GRDB
import SluiceCore

/// The SQL that shapes target tables. Every name is quoted by
/// `SQLiteTypes.quote`; no text from a file is ever spliced in unquoted.
enum SQLiteSchema {
    static func createTable(_ table: String, columns: [(String, ColumnType)], uniqueKey: [String]) -> String {
        var parts = columns.map { "\(SQLiteTypes.quote($0.0)) \(SQLiteTypes.declaration($0.1))" }
        if !uniqueKey.isEmpty { parts.append("UNIQUE (\(uniqueKey.map(SQLiteTypes.quote).joined(separator: ", ")))") }
        return "CREATE TABLE \(SQLiteTypes.quote(table)) (\(parts.joined(separator: ", ")))"
    }

    /// `INSERT … VALUES (?, …)`, with `rows` groups of placeholders;
    /// `INSERT OR IGNORE` when `orIgnore` (see `SQLiteRowWriter`).
    static func insert(into table: String, columns: [String], upsertKey: [String], rows: Int = 1, orIgnore: Bool = false) -> String {
        let names = columns.map(SQLiteTypes.quote).joined(separator: ", ")
        let marks = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var sql = "INSERT \(orIgnore ? "OR IGNORE " : "")INTO \(SQLiteTypes.quote(table)) (\(names)) VALUES " + Array(repeating: marks, count: rows).joined(separator: ", ")
        guard !upsertKey.isEmpty else { return sql }
        let updates = columns.filter { !upsertKey.contains($0) }.map { "\(SQLiteTypes.quote($0)) = excluded.\(SQLiteTypes.quote($0))" }
        sql += " ON CONFLICT (\(upsertKey.map(SQLiteTypes.quote).joined(separator: ", "))) "
        sql += updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", ")
        return sql
    }

    /// Upsert needs a unique index on the key; adds one when the table has none.
    static func ensureUniqueIndex(on table: String, key: [String], in db: Database) throws {
        let wanted = Set(key.map { $0.lowercased() })
        let primary = try db.primaryKey(table).columns.map { $0.lowercased() }
        if Set(primary) == wanted { return }
        for index in try db.indexes(on: table) where index.isUnique && Set(index.columns.map { $0.lowercased() }) == wanted {
            return
        }
        let name = SQLiteTypes.quote("sluice_key_\(table)_\(key.joined(separator: "_"))")
        do {
            try db.execute(sql: "CREATE UNIQUE INDEX \(name) ON \(SQLiteTypes.quote(table)) (\(key.map(SQLiteTypes.quote).joined(separator: ", ")))")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw SQLiteDriverError(path: db.description, message: "cannot upsert into '\(table)' by (\(key.joined(separator: ", "))): the table already has rows with the same key")
        }
    }

    /// Makes the target ready for the plan's rows: creates it, adds the
    /// columns `--alter` asks for, makes sure an upsert has its unique key,
    /// and empties it for `replace`.
    static func prepareTarget(_ plan: ImportPlan, in db: Database) throws {
        let table = SQLiteTypes.quote(plan.table)
        if plan.createsTable {
            try db.execute(sql: createTable(plan.table, columns: plan.targetColumns.map { ($0.name, $0.type) },
                                            uniqueKey: plan.mode == .upsert ? plan.key : []))
        }
        for name in plan.addedColumns {
            let type = plan.targetColumns.first { $0.name == name }?.type ?? .text
            try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN \(SQLiteTypes.quote(name)) \(SQLiteTypes.declaration(type))")
        }
        if plan.mode == .upsert && !plan.createsTable { try ensureUniqueIndex(on: plan.table, key: plan.key, in: db) }
        if plan.mode == .replace && !plan.createsTable { try db.execute(sql: "DELETE FROM \(table)") }
    }

    /// The table a chunked job's chunks write to before the publish.
    static func stageName(jobID: Int64) -> String { "sluice_stage_\(jobID)" }

    /// The stage's column of each row's input line, for the rows an existing
    /// table may refuse at the publish. A table the publish creates has no
    /// constraint to refuse a row, and a stage renamed into it must not
    /// carry the column; groups carry their first line as their rowid.
    static let stageLineColumn = "sluice_line"

    static func stageHasLines(_ plan: ImportPlan) -> Bool { !plan.createsTable && plan.aggregation == nil }

    /// Creates a job's stage: the plan's columns (and the line column, see `stageHasLines`), no constraints.
    static func createStage(jobID: Int64, plan: ImportPlan, in db: Database) throws {
        let lines: [(String, ColumnType)] = stageHasLines(plan) ? [(stageLineColumn, .integer)] : []
        try db.execute(sql: createTable(stageName(jobID: jobID), columns: lines + plan.targetColumns.map { ($0.name, $0.type) }, uniqueKey: []))
    }

    /// Drops a job's stage and forgets its runs.
    static func dropStage(jobID: Int64, in db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS \(SQLiteTypes.quote(stageName(jobID: jobID)))")
        try db.execute(sql: "DELETE FROM sluice_chunk_runs WHERE job_id = ?", arguments: [jobID])
    }

    /// The name by which a stage's rowid can be set: SQLite's aliases, minus
    /// any a user column has taken. Nil when all three are taken.
    static func rowIDName(avoiding columns: [String]) -> String? {
        let taken = Set(columns.map { $0.lowercased() })
        return ["rowid", "_rowid_", "oid"].first { !taken.contains($0) }
    }

    /// The table's columns with the wider types some values needed
    /// (`widened` is per mapped column, as the writer found them).
    static func columns(of plan: ImportPlan, widened: [ColumnType?]) -> [(String, ColumnType)] {
        zip(plan.targetColumns, plan.targetWidened(widened)).map { column, wider in (column.name, wider ?? column.type) }
    }

    /// `INSERT INTO target … SELECT … FROM stage` for the stage rows whose
    /// rowid is between the statement's two parameters (`?`), in rowid
    /// order, with the upsert clause when there is a key.
    static func insertSelect(into table: String, from stage: String, columns: [String], upsertKey: [String], orderBy rowID: String) -> String {
        let names = columns.map(SQLiteTypes.quote).joined(separator: ", ")
        var sql = "INSERT INTO \(SQLiteTypes.quote(table)) (\(names)) SELECT \(names) FROM \(SQLiteTypes.quote(stage)) WHERE \(rowID) BETWEEN ? AND ? ORDER BY \(rowID)"
        guard !upsertKey.isEmpty else { return sql }
        let updates = columns.filter { !upsertKey.contains($0) }.map { "\(SQLiteTypes.quote($0)) = excluded.\(SQLiteTypes.quote($0))" }
        sql += " ON CONFLICT (\(upsertKey.map(SQLiteTypes.quote).joined(separator: ", "))) "
        sql += updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", ")
        return sql
    }

    /// Re-creates a table that Sluice created in this transaction with wider
    /// column types, when later values did not fit the sniffed ones.
    static func rebuild(_ table: String, columns: [(String, ColumnType)], uniqueKey: [String], in db: Database) throws {
        let temporary = "sluice_rebuild_\(table)"
        try db.execute(sql: createTable(temporary, columns: columns, uniqueKey: uniqueKey))
        let names = columns.map { SQLiteTypes.quote($0.0) }.joined(separator: ", ")
        try db.execute(sql: "INSERT INTO \(SQLiteTypes.quote(temporary)) (\(names)) SELECT \(names) FROM \(SQLiteTypes.quote(table))")
        try db.execute(sql: "DROP TABLE \(SQLiteTypes.quote(table))")
        try db.execute(sql: "ALTER TABLE \(SQLiteTypes.quote(temporary)) RENAME TO \(SQLiteTypes.quote(table))")
    }
}
