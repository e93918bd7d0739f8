import Foundation
import GRDB
import SluiceCore

/// The job store on SQLite. Each status change is one guarded UPDATE
/// (`WHERE status = 'queued'`), and reports whether it moved the job.
final class SQLiteJobStore: JobStore {
    private let queue: DatabaseQueue
    private let path: String

    init(queue: DatabaseQueue, path: String) {
        self.queue = queue
        self.path = path
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    func jobCreate(_ params: JobCreateParams) throws -> Job {
        try write { db in
            try db.execute(sql: """
                INSERT INTO sluice_jobs (status, source, profile, target_table, mode, bytes, created_at, request)
                VALUES ('queued', ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [params.source, params.profile, params.table, params.mode.rawValue, params.bytes, params.now,
                                 params.request])
            return Job(id: db.lastInsertedRowID, status: .queued, source: params.source, profile: params.profile,
                       table: params.table, mode: params.mode, bytes: params.bytes, createdAt: params.now, request: params.request)
        }
    }

    func jobMarkRunning(id: Int64, now: Date) throws -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE sluice_jobs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'",
                           arguments: [now, id])
            return db.changesCount == 1
        }
    }

    func jobSetStorage(id: Int64, key: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE sluice_jobs SET storage_key = ? WHERE id = ? AND status = 'queued'", arguments: [key, id])
        }
    }

    private func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.inImmediateTransaction(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    func jobClaimQueued(owner: String, now: Date, lease: TimeInterval) throws -> Job? {
        let claimable = """
            SELECT id FROM sluice_jobs
            WHERE status = 'queued' AND request IS NOT NULL AND storage_key IS NOT NULL ORDER BY id LIMIT 1
            """
        // Without the write lock first: an idle worker looks often.
        guard try read({ db in try Int64.fetchOne(db, sql: claimable) }) != nil else { return nil }
        return try immediate { db -> Job? in
            guard let id = try Int64.fetchOne(db, sql: claimable) else { return nil }
            try db.execute(sql: """
                UPDATE sluice_jobs SET status = 'running', started_at = ?, lease_owner = ?, lease_expires_ms = ?
                WHERE id = ? AND status = 'queued'
                """, arguments: [now, owner, SQLiteChunkStore.milliseconds(now.addingTimeInterval(lease)), id])
            return try Row.fetchOne(db, sql: "SELECT * FROM sluice_jobs WHERE id = ?", arguments: [id]).map(Self.job)
        }
    }

    func jobHeartbeat(id: Int64, owner: String, now: Date, lease: TimeInterval) throws -> Bool {
        try immediate { db in
            try db.execute(sql: "UPDATE sluice_jobs SET lease_expires_ms = ? WHERE id = ? AND lease_owner = ? AND status = 'running'",
                           arguments: [SQLiteChunkStore.milliseconds(now.addingTimeInterval(lease)), id, owner])
            return db.changesCount == 1
        }
    }

    func jobPlanned(id: Int64, owner: String?, basis: String, chunks: [ChunkSpec], now: Date) throws -> Bool {
        try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_jobs SET plan_basis = ?, progress = 10, lease_owner = NULL, lease_expires_ms = NULL
                WHERE id = ? AND status = 'running' AND lease_owner IS ?
                """, arguments: [basis, id, owner])
            guard db.changesCount == 1 else { return false }
            try SQLiteChunkStore.insert(chunks, jobID: id, now: now, in: db)
            return true
        }
    }

    func jobRelease(id: Int64, owner: String) throws -> Bool {
        try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_jobs SET status = 'queued', started_at = NULL, lease_owner = NULL, lease_expires_ms = NULL
                WHERE id = ? AND lease_owner = ? AND status = 'running'
                """, arguments: [id, owner])
            return db.changesCount == 1
        }
    }

    func jobRescueExpired(now: Date) throws -> Int {
        try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_jobs SET status = 'queued', started_at = NULL, lease_owner = NULL, lease_expires_ms = NULL
                WHERE status = 'running' AND lease_expires_ms < ?
                """, arguments: [SQLiteChunkStore.milliseconds(now)])
            return db.changesCount
        }
    }

    func jobRetry(id: Int64) throws -> Bool {
        try immediate { db in
            guard let status = try String.fetchOne(db, sql: """
                SELECT status FROM sluice_jobs
                WHERE id = ? AND status IN ('failed', 'cancelled') AND request IS NOT NULL AND storage_key IS NOT NULL
                """, arguments: [id]) else { return false }
            let chunked = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sluice_chunks WHERE job_id = ?)", arguments: [id]) ?? false
            guard chunked else {
                try db.execute(sql: """
                    UPDATE sluice_jobs
                    SET status = 'queued', rows_read = 0, rows_imported = 0, rows_rejected = 0, progress = 0,
                        started_at = NULL, finished_at = NULL, summary = NULL, error = NULL
                    WHERE id = ?
                    """, arguments: [id])
                try db.execute(sql: "DELETE FROM sluice_job_errors WHERE job_id = ?", arguments: [id])
                return true
            }
            // Succeeded chunks keep their rows in the stage, unless the stage is gone.
            db.clearSchemaCache()
            let stageExists = try db.tableExists(SQLiteSchema.stageName(jobID: id))
            let stageKept = status == JobStatus.failed.rawValue && stageExists
            let rerun = stageKept ? "status <> 'succeeded'" : "1"
            if !stageKept {
                try db.execute(sql: "DELETE FROM sluice_job_errors WHERE job_id = ?", arguments: [id])
                try SQLiteSchema.dropStage(jobID: id, in: db)
            }
            try db.execute(sql: """
                UPDATE sluice_chunks
                SET status = 'queued', attempts = 0, lease_owner = NULL, lease_expires_ms = NULL, error = NULL, widened = NULL,
                    rows_read = 0, rows_imported = 0, rows_rejected = 0, started_at = NULL, finished_at = NULL
                WHERE job_id = ? AND \(rerun)
                """, arguments: [id])
            try db.execute(sql: """
                UPDATE sluice_jobs SET status = 'running', finished_at = NULL, summary = NULL, error = NULL,
                    progress = 10 + 89 * (SELECT COUNT(*) FROM sluice_chunks WHERE job_id = ?1 AND status = 'succeeded')
                                       / (SELECT COUNT(*) FROM sluice_chunks WHERE job_id = ?1)
                WHERE id = ?1
                """, arguments: [id])
            return true
        }
    }

    func jobSetProgress(id: Int64, progress: Int) throws {
        try write { db in
            try db.execute(sql: "UPDATE sluice_jobs SET progress = ? WHERE id = ? AND status = 'running'", arguments: [progress, id])
        }
    }

    func jobFinish(_ params: JobFinishParams) throws -> Bool {
        try write { db in try Self.finish(params, in: db) }
    }

    /// The guarded running → final update; also used inside an import's own transaction.
    static func finish(_ params: JobFinishParams, in db: Database) throws -> Bool {
        precondition(params.status.isFinal, "a job can only finish in a final status")
        try db.execute(sql: """
            UPDATE sluice_jobs SET status = ?, rows_read = ?, rows_imported = ?, rows_rejected = ?,
                finished_at = ?, summary = ?, error = ?, lease_owner = NULL, lease_expires_ms = NULL,
                progress = CASE WHEN ?1 = 'succeeded' THEN 100 ELSE progress END
            WHERE id = ? AND status = 'running'
            """, arguments: [params.status.rawValue, params.counts.rowsRead, params.counts.rowsImported,
                             params.counts.rowsRejected, params.now, params.summary, params.error, params.id])
        return db.changesCount == 1
    }

    func jobErrorsInsert(jobID: Int64, rejections: [Rejection]) throws {
        try write { db in try Self.insertErrors(jobID: jobID, rejections: rejections, in: db) }
    }

    /// One row per problem: a row with two bad values gives two errors with the same line.
    static func insertErrors(jobID: Int64, rejections: [Rejection], in db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO sluice_job_errors (job_id, line, byte_offset, column_name, value, kind, message, original)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for rejection in rejections {
            for error in rejection.errors {
                try statement.execute(arguments: [jobID, rejection.line, rejection.byteOffset, error.column.map(StoredText.clean),
                                                  error.value.map(StoredText.clean), error.kind.rawValue,
                                                  StoredText.clean(error.message), StoredText.clean(rejection.original)])
            }
        }
    }

    func jobGet(id: Int64) throws -> Job? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM sluice_jobs WHERE id = ?", arguments: [id]).map(Self.job) }
    }

    func jobList(status: JobStatus?, limit: Int) throws -> [Job] {
        try read { db in
            let rows = if let status {
                try Row.fetchAll(db, sql: "SELECT * FROM sluice_jobs WHERE status = ? ORDER BY id DESC LIMIT ?",
                                 arguments: [status.rawValue, limit])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM sluice_jobs ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return rows.map(Self.job)
        }
    }

    func jobErrors(jobID: Int64, limit: Int, offset: Int) throws -> [StoredRowError] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM sluice_job_errors WHERE job_id = ? ORDER BY line, id LIMIT ? OFFSET ?
                """, arguments: [jobID, limit, offset]).map { row in
                StoredRowError(jobID: row["job_id"], line: row["line"], byteOffset: row["byte_offset"],
                               column: row["column_name"], value: row["value"],
                               kind: RowErrorKind(rawValue: row["kind"]) ?? .malformed,
                               message: row["message"], original: row["original"])
            }
        }
    }

    func jobDeleteFinished(before date: Date) throws -> [Int64] {
        try write { db in
            try Int64.fetchAll(db, sql: """
                DELETE FROM sluice_jobs
                WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < ?
                RETURNING id
                """, arguments: [date]).sorted()
        }
    }

    private static func job(_ row: Row) -> Job {
        Job(id: row["id"], status: JobStatus(rawValue: row["status"]) ?? .failed, source: row["source"],
            profile: row["profile"], table: row["target_table"], mode: ImportMode(rawValue: row["mode"]) ?? .append,
            rowsRead: row["rows_read"], rowsImported: row["rows_imported"], rowsRejected: row["rows_rejected"],
            bytes: row["bytes"], createdAt: row["created_at"], startedAt: row["started_at"],
            finishedAt: row["finished_at"], summary: row["summary"], error: row["error"],
            request: row["request"], storageKey: row["storage_key"], progress: row["progress"], planBasis: row["plan_basis"])
    }
}
