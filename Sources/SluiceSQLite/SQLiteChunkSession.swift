import Foundation
import GRDB
import SluiceCore

/// One chunk of a chunked job on SQLite, written into the job's stage in
/// short `BEGIN IMMEDIATE` transactions: one to start, one per batch, one to
/// finish (which publishes when it is the job's last chunk).
///
/// Each transaction first checks the lease and the job, so a worker that
/// lost its chunk, or whose job was cancelled, writes nothing more.
///
/// Stage rows append with new rowids, which is SQLite's cheapest insert
/// (setting the rowid to the input line, as a first version did, made
/// SQLite look each one up: about 10% of a chunk's time). Each batch's rows
/// take consecutive rowids, recorded as a run in `sluice_chunk_runs` in the
/// same transaction; a worker taking the chunk over deletes its runs, and
/// the publish reads the runs in chunk order, which is the input's order.
final class SQLiteChunkSession: ChunkSession {
    private let queue: DatabaseQueue
    private let path: String
    private let chunk: Chunk
    private let owner: String
    private let stage: String
    private var plan: ImportPlan?
    private var writer: SQLiteRowWriter?

    init(queue: DatabaseQueue, path: String, chunk: Chunk, owner: String) {
        self.queue = queue
        self.path = path
        self.chunk = chunk
        self.owner = owner
        self.stage = SQLiteSchema.stageName(jobID: chunk.jobID)
    }

    /// One short write transaction that starts with the lease check.
    private func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.inImmediateTransaction { db in
                // Other processes change the schema (the stage, the target) between our transactions.
                db.clearSchemaCache()
                try checkLease(in: db)
                return try body(db)
            }
        } catch let stopped as ChunkStopped {
            throw stopped
        } catch {
            throw SQLiteDriverError(path: path, error)
        }
    }

    private func checkLease(in db: Database) throws {
        let row = try Row.fetchOne(db, sql: """
            SELECT c.status AS chunk_status, c.lease_owner, j.status AS job_status
            FROM sluice_chunks c JOIN sluice_jobs j ON j.id = c.job_id WHERE c.id = ?
            """, arguments: [chunk.id])
        let jobStatus = row.flatMap { JobStatus(rawValue: $0["job_status"]) } ?? .cancelled
        guard jobStatus == .running else { throw ChunkStopped.jobEnded(job: chunk.jobID, status: jobStatus) }
        guard let row, row["chunk_status"] == JobStatus.running.rawValue, row["lease_owner"] == owner else {
            throw ChunkStopped.leaseLost(chunk: chunk.id)
        }
    }

    /// The lines this chunk covers, as `first ..< end` (end nil: to the end
    /// of the input); nil for a whole-input chunk, which owns every stage row.
    private func lines(in db: Database) throws -> (first: Int, end: Int?)? {
        guard let range = chunk.range else { return nil }
        let next = try Int.fetchOne(db, sql: """
            SELECT MIN(first_line) FROM sluice_chunks WHERE job_id = ? AND chunk_index > ?
            """, arguments: [chunk.jobID, chunk.index])
        return (range.firstLine, next)
    }

    func begin(plan: ImportPlan) throws {
        let names = plan.targetColumns.map(\.name)
        guard let rowID = SQLiteSchema.rowIDName(avoiding: names) else {
            throw SQLiteDriverError(path: path, message: "cannot stage chunks of a table with columns named rowid, _rowid_ and oid; import it without --chunks")
        }
        let aggregates = plan.aggregation != nil
        try transaction { db in
            if try !db.tableExists(stage) { try SQLiteSchema.createStage(jobID: chunk.jobID, plan: plan, in: db) }
            // What an earlier attempt at this chunk left behind. An
            // aggregating chunk writes only in its finish transaction, so
            // an attempt that did not finish left nothing.
            if !aggregates {
                try deleteEarlierAttempt(rowID: rowID, in: db)
            }
            // Rows append with new rowids (SQLite's cheapest insert); groups
            // take their first line, so that the publish keeps the file's order.
            let line: SQLiteRowWriter.LineColumn? = aggregates ? .rowID(rowID)
                : SQLiteSchema.stageHasLines(plan) ? .column(SQLiteSchema.stageLineColumn) : nil
            writer = try SQLiteRowWriter(table: stage, columns: names, upsertKey: [], line: line, in: db)
        }
        self.plan = plan
    }

    /// Removes the stage rows of this chunk's runs, and its errors (by its
    /// lines; all of the job's for a whole-input chunk).
    private func deleteEarlierAttempt(rowID: String, in db: Database) throws {
        let runs = try Row.fetchAll(db, sql: "SELECT first_rowid, last_rowid FROM sluice_chunk_runs WHERE job_id = ? AND chunk_index = ?",
                                    arguments: [chunk.jobID, chunk.index])
        let delete = try db.makeStatement(sql: "DELETE FROM \(SQLiteTypes.quote(stage)) WHERE \(rowID) BETWEEN ? AND ?")
        for run in runs { try delete.execute(arguments: [run["first_rowid"] as Int64, run["last_rowid"] as Int64]) }
        try db.execute(sql: "DELETE FROM sluice_chunk_runs WHERE job_id = ? AND chunk_index = ?", arguments: [chunk.jobID, chunk.index])
        if let lines = try lines(in: db) {
            try db.execute(sql: "DELETE FROM sluice_job_errors WHERE job_id = ? AND line >= ? AND line < ?",
                           arguments: [chunk.jobID, lines.first, lines.end ?? Int.max])
        } else {
            try db.execute(sql: "DELETE FROM sluice_job_errors WHERE job_id = ?", arguments: [chunk.jobID])
        }
    }

    func write(_ batches: [MappedBatch], tally: ([Rejection]) throws -> ChunkTally) throws -> Int {
        guard let writer else { preconditionFailure("write before begin") }
        return try transaction { db in
            var refused: [Rejection] = []
            for batch in batches { refused += try writer.write(batch, in: db) }
            try recordRun(rows: batches.reduce(0) { $0 + $1.rowCount } - refused.count, in: db)
            let result = try tally(refused)
            try SQLiteJobStore.insertErrors(jobID: chunk.jobID, rejections: result.rejections, in: db)
            return try record(result.counts, in: db)
        }
    }

    /// Notes the rowids the batches just took: `rows` new rowids in a row,
    /// the last of them SQLite's last insert (no other writer came between,
    /// the transaction holds the write lock).
    private func recordRun(rows: Int, in db: Database) throws {
        guard rows > 0 else { return }
        let last = db.lastInsertedRowID
        try db.execute(sql: "INSERT INTO sluice_chunk_runs (job_id, chunk_index, first_rowid, last_rowid) VALUES (?, ?, ?, ?)",
                       arguments: [chunk.jobID, chunk.index, last - Int64(rows) + 1, last])
    }

    func note(counts: ImportCounts) throws -> Int {
        try transaction { db in try record(counts, in: db) }
    }

    /// Stores the chunk's counts so far; returns the job's rejected rows so far.
    private func record(_ counts: ImportCounts, in db: Database) throws -> Int {
        try db.execute(sql: "UPDATE sluice_chunks SET rows_read = ?, rows_imported = ?, rows_rejected = ? WHERE id = ?",
                       arguments: [counts.rowsRead, counts.rowsImported, counts.rowsRejected, chunk.id])
        return try Int.fetchOne(db, sql: "SELECT SUM(rows_rejected) FROM sluice_chunks WHERE job_id = ?", arguments: [chunk.jobID]) ?? 0
    }

    func finish(counts: ImportCounts, widened: [ColumnType?], groups: ChunkGroups?,
                publishing: JobPublishing) throws -> ChunkFinished {
        guard let plan, let writer else { preconditionFailure("finish before begin") }
        self.writer = nil
        return try transaction { db in
            if let groups {
                try groups.rejections.forEachChunk { try SQLiteJobStore.insertErrors(jobID: chunk.jobID, rejections: $0, in: db) }
                // The stage has no constraints, so nothing is refused here.
                _ = try writer.write(groups.rows, in: db)
            }
            try db.execute(sql: """
                UPDATE sluice_chunks
                SET status = 'succeeded', rows_read = ?, rows_imported = ?, rows_rejected = ?, widened = ?,
                    lease_expires_ms = NULL, finished_at = ?
                WHERE id = ?
                """, arguments: [counts.rowsRead, counts.rowsImported, counts.rowsRejected,
                                 try ChunkWidening.json(widened), Date(), chunk.id])
            let tally = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS total, SUM(status = 'succeeded') AS done,
                       SUM(rows_read) AS read, SUM(rows_imported) AS imported, SUM(rows_rejected) AS rejected
                FROM sluice_chunks WHERE job_id = ?
                """, arguments: [chunk.jobID])!
            let total: Int = tally["total"], done: Int = tally["done"]
            guard done == total else {
                try db.execute(sql: "UPDATE sluice_jobs SET progress = ? WHERE id = ?",
                               arguments: [10 + 89 * done / max(1, total), chunk.jobID])
                return .waiting
            }
            let allWidened = try String?.fetchAll(db, sql: "SELECT widened FROM sluice_chunks WHERE job_id = ?", arguments: [chunk.jobID])
            var totals = JobTotals(
                counts: ImportCounts(rowsRead: tally["read"], rowsImported: tally["imported"], rowsRejected: tally["rejected"]),
                widened: try ChunkWidening.merge(allWidened, columns: plan.columns.count))
            let refusals = try SQLitePublisher.publish(plan, jobID: chunk.jobID, widened: totals.widened, in: db)
            let refused = refusals.isEmpty ? [] : try publishing.rejections(refusals)
            totals.counts.rowsImported -= refused.count
            totals.counts.rowsRejected += refused.count
            let end = try publishing.end(totals, refused)
            try SQLiteJobStore.insertErrors(jobID: chunk.jobID, rejections: refused, in: db)
            guard try SQLiteJobStore.finish(end, in: db) else { throw ChunkStopped.jobEnded(job: chunk.jobID, status: .cancelled) }
            return .published(refused: refused)
        }
    }
}
