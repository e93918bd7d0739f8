import GRDB
import GRDBSQLite
import SluiceCore

/// Moves a chunked job's stage into its target, inside the caller's
/// transaction (the last chunk's own).
///
/// A table Sluice creates for an append is the stage itself, renamed: no
/// row is copied. (Its rows are then in the order their batches were
/// committed: the input's order within each batch, and across batches too
/// when the chunks ran one after another.) Everything else gets the
/// stage's rows by `INSERT … SELECT` in the plan's mode, in the input's
/// order, so that for an upsert the last row of a key in the file wins, as
/// in one pass: run by run in chunk order for byte-range chunks (see
/// `SQLiteChunkSession`), by rowid otherwise.
///
/// When the target's own constraints refuse a row, the copy is undone and
/// done again row by row; the refused rows are left out and returned with
/// their input lines, as rejects rather than a failed job.
enum SQLitePublisher {
    static func publish(_ plan: ImportPlan, jobID: Int64, widened: [ColumnType?], in db: Database) throws -> [StagedRowRefusal] {
        let stage = SQLiteSchema.stageName(jobID: jobID)
        let key = plan.mode == .upsert ? plan.key : []
        let names = plan.targetColumns.map(\.name)
        if try !db.tableExists(stage) { try SQLiteSchema.createStage(jobID: jobID, plan: plan, in: db) }
        var target = plan
        if plan.createsTable {
            if try db.tableExists(plan.table) {
                throw SQLiteDriverError(path: db.description, message: "table '\(plan.table)' was created by another import while job \(jobID) ran; nothing was imported (retry the job to import into it)")
            }
            if key.isEmpty && !plan.targetWidened(widened).contains(where: { $0 != nil }) {
                try db.execute(sql: "ALTER TABLE \(SQLiteTypes.quote(stage)) RENAME TO \(SQLiteTypes.quote(plan.table))")
                try db.execute(sql: "DELETE FROM sluice_chunk_runs WHERE job_id = ?", arguments: [jobID])
                return []
            }
            try db.execute(sql: SQLiteSchema.createTable(plan.table, columns: SQLiteSchema.columns(of: plan, widened: widened), uniqueKey: key))
            target.createsTable = false
            target.addedColumns = []
            if target.mode == .replace { target.mode = .append }
        }
        try SQLiteSchema.prepareTarget(target, in: db)
        var refused: [StagedRowRefusal] = []
        try db.execute(sql: "SAVEPOINT sluice_publish")
        do {
            try copy(stage, into: plan, key: key, names: names, jobID: jobID, in: db)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // The stage has no constraints; the target's own (UNIQUE, CHECK, NOT NULL, a foreign key) refused a row.
            try db.execute(sql: "ROLLBACK TO SAVEPOINT sluice_publish")
            refused = try copyRowByRow(stage, into: plan, key: key, names: names, jobID: jobID, in: db)
        }
        try db.execute(sql: "RELEASE SAVEPOINT sluice_publish")
        try SQLiteSchema.dropStage(jobID: jobID, in: db)
        return refused
    }

    /// The stage's rows in the input's order, as rowid ranges: the runs of
    /// byte-range chunks in chunk order, or else every row (one whole chunk
    /// in input order, or groups, whose rowid is their first line).
    private static func runs(jobID: Int64, in db: Database) throws -> [(first: Int64, last: Int64)] {
        let runs = try Row.fetchAll(db, sql: """
            SELECT first_rowid, last_rowid FROM sluice_chunk_runs WHERE job_id = ? ORDER BY chunk_index, first_rowid
            """, arguments: [jobID]).map { (first: $0["first_rowid"] as Int64, last: $0["last_rowid"] as Int64) }
        return runs.isEmpty ? [(Int64.min, Int64.max)] : runs
    }

    /// Inserts the stage's rows one at a time, in the input's order; a row
    /// the target refuses undoes only itself and is returned with its line.
    private static func copyRowByRow(_ stage: String, into plan: ImportPlan, key: [String], names: [String], jobID: Int64,
                                     in db: Database) throws -> [StagedRowRefusal] {
        let rowID = SQLiteSchema.rowIDName(avoiding: names) ?? "rowid"
        let line: String
        if plan.aggregation != nil {
            line = rowID
        } else if SQLiteSchema.stageHasLines(plan) {
            line = SQLiteTypes.quote(SQLiteSchema.stageLineColumn)
        } else {
            throw SQLiteDriverError(path: db.description, message: "table '\(plan.table)' refused a row of job \(jobID), which created it; nothing was imported")
        }
        let insert = try db.makeStatement(sql: SQLiteSchema.insert(into: plan.table, columns: names, upsertKey: key))
        let select = try db.makeStatement(sql: """
            SELECT \(line), \(names.map(SQLiteTypes.quote).joined(separator: ", ")) FROM \(SQLiteTypes.quote(stage))
            WHERE \(rowID) BETWEEN ? AND ? ORDER BY \(rowID)
            """)
        var refused: [StagedRowRefusal] = []
        for run in try runs(jobID: jobID, in: db) {
            let rows = try Row.fetchCursor(select, arguments: [run.first, run.last])
            while let row = try rows.next() {
                do {
                    try insert.execute(arguments: StatementArguments(Array(row.databaseValues.dropFirst())))
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    refused.append(StagedRowRefusal(line: row[0], error: RowError(kind: .constraint, message: error.message ?? "a constraint failed")))
                    // SQLite reports a failed step again at the statement's next reset: take it now.
                    sqlite3_reset(insert.sqliteStatement)
                }
            }
        }
        return refused
    }

    /// Copies the stage's rows into the target in the input's order, run by run.
    private static func copy(_ stage: String, into plan: ImportPlan, key: [String], names: [String], jobID: Int64, in db: Database) throws {
        let rowID = SQLiteSchema.rowIDName(avoiding: names) ?? "rowid"
        let copy = try db.makeStatement(sql: SQLiteSchema.insertSelect(into: plan.table, from: stage, columns: names,
                                                                       upsertKey: key, orderBy: rowID))
        for run in try runs(jobID: jobID, in: db) {
            try copy.execute(arguments: [run.first, run.last])
        }
    }
}
