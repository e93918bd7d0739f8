import GRDB
import SluiceCore

/// Moves a chunked job's stage into its target inside the caller's
/// transaction, with the job's end and its rejected rows.
///
/// A table Sluice creates is the stage itself, renamed (after a rebuild if
/// a column widened): no row is copied. An existing table gets the stage's
/// rows by one `INSERT … SELECT` in the plan's mode.
enum SQLitePublisher {
    static func publish(_ params: PublishParams, in db: Database) throws {
        let plan = params.plan
        let stage = SQLiteSchema.stageName(jobID: params.jobID)
        let key = plan.mode == .upsert ? plan.key : []
        if try !db.tableExists(stage) {
            // No chunk had a row: the stage was never made. Make it empty, as the first chunk would have.
            try db.execute(sql: SQLiteSchema.createTable(stage, columns: plan.columns.map { ($0.name, $0.type) }, uniqueKey: key))
        }
        if plan.createsTable {
            if params.widened.contains(where: { $0 != nil }) {
                try SQLiteSchema.rebuild(stage, columns: SQLiteSchema.columns(of: plan, widened: params.widened), uniqueKey: key, in: db)
            }
            try db.execute(sql: "ALTER TABLE \(SQLiteTypes.quote(stage)) RENAME TO \(SQLiteTypes.quote(plan.table))")
        } else {
            let table = SQLiteTypes.quote(plan.table)
            for name in plan.addedColumns {
                let type = plan.columns.first { $0.name == name }?.type ?? .text
                try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN \(SQLiteTypes.quote(name)) \(SQLiteTypes.declaration(type))")
            }
            if plan.mode == .replace { try db.execute(sql: "DELETE FROM \(table)") }
            if plan.mode == .upsert { try SQLiteSchema.ensureUniqueIndex(on: plan.table, key: plan.key, in: db) }
            try db.execute(sql: SQLiteSchema.insertSelect(into: plan.table, from: stage, columns: plan.columns.map(\.name), upsertKey: key))
            try db.execute(sql: "DROP TABLE \(SQLiteTypes.quote(stage))")
        }
        try params.rejections.forEachChunk { try SQLiteJobStore.insertErrors(jobID: params.jobID, rejections: $0, in: db) }
        _ = try SQLiteJobStore.finish(params.finish, in: db)
    }
}
