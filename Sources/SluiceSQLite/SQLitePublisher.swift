import GRDB
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
enum SQLitePublisher {
    static func publish(_ plan: ImportPlan, jobID: Int64, widened: [ColumnType?], in db: Database) throws {
        let stage = SQLiteSchema.stageName(jobID: jobID)
        let key = plan.mode == .upsert ? plan.key : []
        let names = plan.targetColumns.map(\.name)
        if try !db.tableExists(stage) {
            try db.execute(sql: SQLiteSchema.createTable(stage, columns: plan.targetColumns.map { ($0.name, $0.type) }, uniqueKey: []))
        }
        var target = plan
        if plan.createsTable {
            if try db.tableExists(plan.table) {
                throw SQLiteDriverError(path: db.description, message: "table '\(plan.table)' was created by another import while job \(jobID) ran; nothing was imported (retry the job to import into it)")
            }
            if key.isEmpty && !plan.targetWidened(widened).contains(where: { $0 != nil }) {
                try db.execute(sql: "ALTER TABLE \(SQLiteTypes.quote(stage)) RENAME TO \(SQLiteTypes.quote(plan.table))")
                try db.execute(sql: "DELETE FROM sluice_chunk_runs WHERE job_id = ?", arguments: [jobID])
                return
            }
            try db.execute(sql: SQLiteSchema.createTable(plan.table, columns: SQLiteSchema.columns(of: plan, widened: widened), uniqueKey: key))
            target.createsTable = false
            target.addedColumns = []
            if target.mode == .replace { target.mode = .append }
        }
        try SQLiteSchema.prepareTarget(target, in: db)
        do {
            try copy(stage, into: plan, key: key, names: names, jobID: jobID, in: db)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // The stage has no constraints; the target's own (UNIQUE, CHECK, NOT NULL, a foreign key) refused a row.
            throw SQLiteDriverError(path: db.description, message: """
                table '\(plan.table)' refused a row: \(error.message ?? "a constraint failed"); nothing was imported \
                (a chunked import cannot yet reject single rows that break the table's own constraints; \
                import without --chunks to get them as rejects)
                """)
        }
        try SQLiteSchema.dropStage(jobID: jobID, in: db)
    }

    /// Copies the stage's rows into the target in the input's order.
    private static func copy(_ stage: String, into plan: ImportPlan, key: [String], names: [String], jobID: Int64, in db: Database) throws {
        let rowID = SQLiteSchema.rowIDName(avoiding: names) ?? "rowid"
        let runs = try Row.fetchAll(db, sql: """
            SELECT first_rowid, last_rowid FROM sluice_chunk_runs WHERE job_id = ? ORDER BY chunk_index, first_rowid
            """, arguments: [jobID])
        if runs.isEmpty {
            // One whole chunk (rows in input order), or groups (rowid = first line).
            try db.execute(sql: SQLiteSchema.insertSelect(into: plan.table, from: stage, columns: names, upsertKey: key, orderBy: rowID))
        } else {
            // Byte-range chunks: their runs in chunk order are the input's order.
            let copy = try db.makeStatement(sql: SQLiteSchema.insertSelect(into: plan.table, from: stage, columns: names,
                                                                           upsertKey: key, orderBy: rowID, rowRange: true))
            for run in runs {
                try copy.execute(arguments: [run["first_rowid"] as Int64, run["last_rowid"] as Int64])
            }
        }
    }
}
