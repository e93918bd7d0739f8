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
/// or, for replace, into the table just emptied by `TRUNCATE`. Rows the
/// target refuses are left out and reported, not a failed job.
enum PostgresPublisher {
    /// Returns the staged rows the target refused (its own constraints: a
    /// unique key, a check, a foreign key, a narrower type), which were left out.
    static func publish(_ plan: ImportPlan, jobID: Int64, in link: PostgresLink) throws -> [StagedRowRefusal] {
        // Jobs publish into one table one at a time: two publishes inserting
        // the same keys in different orders would otherwise deadlock.
        try PostgresLockService.holdForTransaction("sluice.publish:\(plan.table)", in: link)
        let stage = PostgresSchema.stage(jobID: jobID)
        if try !PostgresStage.exists(stage, in: link) { try PostgresStage.create(stage, for: plan, in: link) }
        let key = plan.mode == .upsert ? plan.key : []
        var target = plan
        if plan.createsTable {
            if try PostgresTarget.existingColumns(of: plan.table, in: link) != nil {
                throw PostgresDriverError(url: link.url, message: "table '\(plan.table)' was created by another import while job \(jobID) ran; nothing was imported (retry the job to import into it)")
            }
            if key.isEmpty {
                // A table of Sluice's own making has no constraint to refuse a row.
                try rename(stage, to: plan.table, in: link)
                return []
            }
            let types = try PostgresStage.columnTypes(of: stage, plan: plan, in: link)
            try link.query(PostgresQuery(unsafeSQL: PostgresTarget.createTable(
                plan.table, columns: Array(zip(plan.targetColumns.map(\.name), types)), uniqueKey: key)))
            target.createsTable = false
            target.addedColumns = []
            if target.mode == .replace { target.mode = .append }
        }
        try PostgresTarget.prepare(target, in: link)
        let refused = try copy(stage, into: plan, key: key, in: link)
        try link.query(PostgresQuery(unsafeSQL: "DROP TABLE \(stage.sql)"))
        return refused
    }

    /// Inserts the stage's rows in one statement. When the target refuses
    /// one, the statement is undone and the rows go in again by ranges of
    /// lines, halved down to the single rows it refuses (like
    /// `PostgresRowLoader`, with an index on the stage's lines to find
    /// each range). Returns the refused rows' lines and the server's reasons.
    private static func copy(_ stage: PostgresTableName, into plan: ImportPlan, key: [String], in link: PostgresLink) throws -> [StagedRowRefusal] {
        let insert = { (lineRange: Bool) in
            PostgresTarget.insertSelect(into: PostgresTableName(name: plan.table), from: stage, columns: plan.targetColumns.map(\.name),
                                        upsertKey: key, lineColumn: PostgresChunkSession.lineColumn, lineRange: lineRange)
        }
        try link.query("SAVEPOINT sluice_publish")
        do {
            try link.query(PostgresQuery(unsafeSQL: insert(false)))
            try link.query("RELEASE SAVEPOINT sluice_publish")
            return []
        } catch let error as PostgresDriverError where error.refusesRows {
            try link.query("ROLLBACK TO SAVEPOINT sluice_publish")
            try link.query("RELEASE SAVEPOINT sluice_publish")
        }
        try link.query(PostgresQuery(unsafeSQL: "CREATE INDEX ON \(stage.sql) (\(PostgresChunkSession.lineColumn))"))
        let lines = try link.query(PostgresQuery(unsafeSQL: "SELECT \(PostgresChunkSession.lineColumn) FROM \(stage.sql) ORDER BY 1"))
            .rows.map { try $0.decode(Int64.self) }
        var refused: [StagedRowRefusal] = []
        func load(_ range: Range<Int>) throws {
            guard !range.isEmpty else { return }
            try link.query("SAVEPOINT sluice_publish")
            do {
                try link.query(PostgresQuery(unsafeSQL: insert(true), binds: try PostgresStage.binds((lines[range.lowerBound], lines[range.upperBound - 1]))))
                try link.query("RELEASE SAVEPOINT sluice_publish")
            } catch let error as PostgresDriverError where error.refusesRows {
                try link.query("ROLLBACK TO SAVEPOINT sluice_publish")
                try link.query("RELEASE SAVEPOINT sluice_publish")
                guard range.count > 1 else {
                    refused.append(StagedRowRefusal(line: Int(lines[range.lowerBound]), error: error.rowError))
                    return
                }
                let middle = range.lowerBound + range.count / 2
                try load(range.lowerBound..<middle)
                try load(middle..<range.upperBound)
            }
        }
        try load(0..<lines.count)
        return refused
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
