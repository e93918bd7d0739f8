import GRDB
import SluiceCore

/// Moves a chunked job's stage into its target, inside the caller's
/// transaction (the last chunk's own).
///
/// Stage rows carry their input line as rowid, so reading the stage in
/// rowid order gives the file's order whichever chunk finished first. A
/// table Sluice creates for an append is the stage itself, renamed: no row
/// is copied. Everything else gets the stage's rows by one
/// `INSERT … SELECT … ORDER BY rowid` in the plan's mode, so that for an
/// upsert the last row of a key in the file wins, as in one pass.
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
                return
            }
            try db.execute(sql: SQLiteSchema.createTable(plan.table, columns: SQLiteSchema.columns(of: plan, widened: widened), uniqueKey: key))
            target.createsTable = false
            target.addedColumns = []
            if target.mode == .replace { target.mode = .append }
        }
        try SQLiteSchema.prepareTarget(target, in: db)
        let rowID = SQLiteSchema.rowIDName(avoiding: names) ?? "rowid"
        try db.execute(sql: SQLiteSchema.insertSelect(into: plan.table, from: stage, columns: names, upsertKey: key, orderBy: rowID))
        try db.execute(sql: "DROP TABLE \(SQLiteTypes.quote(stage))")
    }
}
