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

    /// `INSERT … VALUES (?, …)`, with `rows` groups of placeholders.
    static func insert(into table: String, columns: [String], upsertKey: [String], rows: Int = 1) -> String {
        let names = columns.map(SQLiteTypes.quote).joined(separator: ", ")
        let marks = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var sql = "INSERT INTO \(SQLiteTypes.quote(table)) (\(names)) VALUES " + Array(repeating: marks, count: rows).joined(separator: ", ")
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

    static func stageName(jobID: Int64) -> String { "sluice_stage_\(jobID)" }

    /// The plan for writing a chunk into job `jobID`'s stage: the target's
    /// columns and key, created by the first chunk, never wiped.
    static func stagePlan(for target: ImportPlan, jobID: Int64, in db: Database) throws -> ImportPlan {
        var stage = target
        stage.table = stageName(jobID: jobID)
        stage.createsTable = try !db.tableExists(stage.table)
        stage.addedColumns = []
        if stage.mode == .replace { stage.mode = .append }
        return stage
    }

    /// The plan's columns with the wider types some values needed.
    static func columns(of plan: ImportPlan, widened: [ColumnType?]) -> [(String, ColumnType)] {
        zip(plan.columns, widened).map { column, wider in (column.name, wider ?? column.type) }
    }

    /// `INSERT INTO target … SELECT … FROM stage` in the stage's row order,
    /// with the upsert clause when there is a key.
    static func insertSelect(into table: String, from stage: String, columns: [String], upsertKey: [String]) -> String {
        let names = columns.map(SQLiteTypes.quote).joined(separator: ", ")
        var sql = "INSERT INTO \(SQLiteTypes.quote(table)) (\(names)) SELECT \(names) FROM \(SQLiteTypes.quote(stage)) WHERE true ORDER BY rowid"
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
