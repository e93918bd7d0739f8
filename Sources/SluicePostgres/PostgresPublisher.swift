import PostgresNIO
import SluiceCore

/// Moves a chunked job's stage into its target, inside the caller's
/// transaction (the last chunk's own), so that the job's rows appear all at
/// once or not at all.
///
/// A table Sluice creates for an append is the stage itself: its line
/// column dropped (a change of the catalog only), moved into the target's
/// schema and renamed. No row is copied. Everything else gets the stage's
/// rows by one `INSERT … SELECT` in the input's order: appended; upserted
/// with the last row of each key winning (`PostgresTarget.insertSelect`);
/// or, for replace, into the table just emptied by `TRUNCATE`.
enum PostgresPublisher {
    static func publish(_ plan: ImportPlan, jobID: Int64, in link: PostgresLink) throws {
        let stage = PostgresSchema.stage(jobID: jobID)
        if try !PostgresStage.exists(stage, in: link) { try PostgresStage.create(stage, for: plan, in: link) }
        let key = plan.mode == .upsert ? plan.key : []
        var target = plan
        if plan.createsTable {
            if try PostgresTarget.existingColumns(of: plan.table, in: link) != nil {
                throw PostgresDriverError(url: link.url, message: "table '\(plan.table)' was created by another import while job \(jobID) ran; nothing was imported (retry the job to import into it)")
            }
            if key.isEmpty {
                try rename(stage, to: plan.table, in: link)
                return
            }
            let types = try PostgresStage.columnTypes(of: stage, plan: plan, in: link)
            try link.query(PostgresQuery(unsafeSQL: PostgresTarget.createTable(
                plan.table, columns: Array(zip(plan.targetColumns.map(\.name), types)), uniqueKey: key)))
            target.createsTable = false
            target.addedColumns = []
            if target.mode == .replace { target.mode = .append }
        }
        try PostgresTarget.prepare(target, in: link)
        do {
            try link.query(PostgresQuery(unsafeSQL: PostgresTarget.insertSelect(
                into: PostgresTableName(name: plan.table), from: stage, columns: plan.targetColumns.map(\.name), upsertKey: key,
                lineColumn: PostgresChunkSession.lineColumn)))
        } catch let error as PostgresDriverError where error.refusesRows {
            throw PostgresDriverError(url: link.url, message: """
                table '\(plan.table)' refused a row: \(error.rowError.message); nothing was imported \
                (a chunked import cannot yet reject single rows that break the table's own constraints; \
                import without --chunks to get them as rejects)
                """)
        }
        try link.query(PostgresQuery(unsafeSQL: "DROP TABLE \(stage.sql)"))
    }

    /// The stage becomes the new table: its line column dropped, moved to
    /// the connection's schema, renamed.
    private static func rename(_ stage: PostgresTableName, to table: String, in link: PostgresLink) throws {
        let schema = try link.query("SELECT current_schema()::TEXT").rows[0].decode(String.self)
        try link.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(stage.sql) DROP COLUMN \(PostgresChunkSession.lineColumn)"))
        try link.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(stage.sql) SET SCHEMA \(PostgresSchema.quote(schema))"))
        let moved = PostgresTableName(schema: schema, name: stage.name)
        try link.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(moved.sql) RENAME TO \(PostgresSchema.quote(table))"))
    }
}
