import Foundation
import PostgresNIO
import SluiceCore

/// The job store on PostgreSQL, in schema `sluice`. Each status change is
/// one guarded UPDATE (`WHERE status = 'queued'`) and reports whether it
/// moved the job; a claim takes the oldest claimable job with
/// `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on each other.
final class PostgresJobStore: JobStore {
    private let link: PostgresLink

    init(link: PostgresLink) {
        self.link = link
    }

    func jobCreate(_ params: JobCreateParams) throws -> Job {
        let id = try link.query("""
            INSERT INTO sluice.jobs (status, source, profile, target_table, mode, bytes, created_at, request)
            VALUES ('queued', \(params.source), \(params.profile), \(params.table), \(params.mode.rawValue), \(params.bytes),
                    \(params.now), \(params.request))
            RETURNING id
            """).rows[0].decode(Int64.self)
        return Job(id: id, status: .queued, source: params.source, profile: params.profile, table: params.table,
                   mode: params.mode, bytes: params.bytes, createdAt: params.now, request: params.request)
    }

    func jobMarkRunning(id: Int64, now: Date) throws -> Bool {
        try link.query("UPDATE sluice.jobs SET status = 'running', started_at = \(now) WHERE id = \(id) AND status = 'queued'").changed == 1
    }

    func jobSetStorage(id: Int64, key: String) throws {
        _ = try PostgresWorkSignal.announcing(in: link, when: { $0 == 1 }) { link in
            try link.query("UPDATE sluice.jobs SET storage_key = \(key) WHERE id = \(id) AND status = 'queued'").changed
        }
    }

    func jobClaimQueued(owner: String, now: Date, lease: TimeInterval) throws -> Job? {
        try link.query("""
            UPDATE sluice.jobs SET status = 'running', started_at = \(now), lease_owner = \(owner),
                lease_expires_ms = \(PostgresTime.milliseconds(now.addingTimeInterval(lease)))
            WHERE id = (SELECT id FROM sluice.jobs
                        WHERE status = 'queued' AND request IS NOT NULL AND storage_key IS NOT NULL
                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).rows.first.map(Self.job)
    }

    func jobHeartbeat(id: Int64, owner: String, now: Date, lease: TimeInterval) throws -> Bool {
        try link.query("""
            UPDATE sluice.jobs SET lease_expires_ms = \(PostgresTime.milliseconds(now.addingTimeInterval(lease)))
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'running'
            """).changed == 1
    }

    func jobPlanned(id: Int64, owner: String?, basis: String, chunks: [ChunkSpec], now: Date) throws -> Bool {
        try link.transaction { link in
            let updated = try link.query("""
                UPDATE sluice.jobs SET plan_basis = \(basis), progress = 10, lease_owner = NULL, lease_expires_ms = NULL
                WHERE id = \(id) AND status = 'running' AND lease_owner IS NOT DISTINCT FROM \(owner)
                """).changed
            guard updated == 1 else { return false }
            try PostgresChunkRows.insert(chunks, jobID: id, now: now, in: link)
            try PostgresWorkSignal.notify(in: link)
            return true
        }
    }

    func jobRelease(id: Int64, owner: String) throws -> Bool {
        try PostgresWorkSignal.announcing(in: link, when: { $0 }) { link in
            try link.query("""
                UPDATE sluice.jobs SET status = 'queued', started_at = NULL, lease_owner = NULL, lease_expires_ms = NULL
                WHERE id = \(id) AND lease_owner = \(owner) AND status = 'running'
                """).changed == 1
        }
    }

    func jobRescueExpired(now: Date) throws -> Int {
        try PostgresWorkSignal.announcing(in: link, when: { $0 > 0 }) { link in
            try link.query("""
                UPDATE sluice.jobs SET status = 'queued', started_at = NULL, lease_owner = NULL, lease_expires_ms = NULL
                WHERE status = 'running' AND lease_expires_ms < \(PostgresTime.milliseconds(now))
                """).changed
        }
    }

    func jobRetry(id: Int64) throws -> Bool {
        try link.transaction { link in
            guard let status = try link.query("""
                SELECT status FROM sluice.jobs
                WHERE id = \(id) AND status IN ('failed', 'cancelled') AND request IS NOT NULL AND storage_key IS NOT NULL
                FOR UPDATE
                """).rows.first?.decode(String.self) else { return false }
            let chunked = try link.query("SELECT EXISTS (SELECT 1 FROM sluice.chunks WHERE job_id = \(id))").rows[0].decode(Bool.self)
            guard chunked else {
                try link.query("""
                    UPDATE sluice.jobs
                    SET status = 'queued', rows_read = 0, rows_imported = 0, rows_rejected = 0, progress = 0,
                        started_at = NULL, finished_at = NULL, summary = NULL, error = NULL
                    WHERE id = \(id)
                    """)
                try link.query("DELETE FROM sluice.job_errors WHERE job_id = \(id)")
                try PostgresWorkSignal.notify(in: link)
                return true
            }
            // Succeeded chunks keep their rows in the stage, unless the stage is gone.
            let stage = PostgresSchema.stageName(jobID: id)
            let stageExists = try link.query("SELECT to_regclass(\(stage)) IS NOT NULL").rows[0].decode(Bool.self)
            let stageKept = status == JobStatus.failed.rawValue && stageExists
            if stageKept {
                // A chunk's first attempt deletes nothing (see `PostgresChunkSession.begin`): what the
                // chunks that did not succeed wrote goes now.
                for table in [stage, "sluice.job_errors"] {
                    let line = table == stage ? PostgresChunkSession.lineColumn : "line"
                    try link.query(PostgresQuery(unsafeSQL: """
                        DELETE FROM \(table) t USING (
                            SELECT status, bucket_path, COALESCE(first_line, 0) AS first,
                                   COALESCE(LEAD(first_line) OVER (ORDER BY chunk_index), \(Int64.max)) AS next
                            FROM sluice.chunks WHERE job_id = \(id)) c
                        WHERE c.status <> 'succeeded' AND c.bucket_path IS NULL AND t.\(line) >= c.first AND t.\(line) < c.next
                            \(table == stage ? "" : "AND t.job_id = \(id)")
                        """))
                }
            } else {
                try link.query("DELETE FROM sluice.job_errors WHERE job_id = \(id)")
                try link.query("DROP TABLE IF EXISTS \(unescaped: stage)")
            }
            try link.query("""
                UPDATE sluice.chunks
                SET status = 'queued', attempts = 0, lease_owner = NULL, lease_expires_ms = NULL, error = NULL, widened = NULL,
                    rows_read = 0, rows_imported = 0, rows_rejected = 0, started_at = NULL, finished_at = NULL
                WHERE job_id = \(id) AND \(unescaped: stageKept ? "status <> 'succeeded'" : "TRUE")
                """)
            try link.query("""
                UPDATE sluice.jobs SET status = 'running', finished_at = NULL, summary = NULL, error = NULL,
                    progress = 10 + 89 * (SELECT COUNT(*) FROM sluice.chunks WHERE job_id = \(id) AND status = 'succeeded')
                                       / (SELECT COUNT(*) FROM sluice.chunks WHERE job_id = \(id))
                WHERE id = \(id)
                """)
            try PostgresWorkSignal.notify(in: link)
            return true
        }
    }

    func jobSetProgress(id: Int64, progress: Int) throws {
        try link.query("UPDATE sluice.jobs SET progress = \(progress) WHERE id = \(id) AND status = 'running'")
    }

    func jobFinish(_ params: JobFinishParams) throws -> Bool {
        try Self.finish(params, in: link)
    }

    /// The guarded running → final update; also used inside an import's own transaction.
    static func finish(_ params: JobFinishParams, in link: PostgresLink) throws -> Bool {
        precondition(params.status.isFinal, "a job can only finish in a final status")
        return try link.query("""
            UPDATE sluice.jobs SET status = \(params.status.rawValue), rows_read = \(params.counts.rowsRead),
                rows_imported = \(params.counts.rowsImported), rows_rejected = \(params.counts.rowsRejected),
                finished_at = \(params.now), summary = \(params.summary), error = \(params.error),
                lease_owner = NULL, lease_expires_ms = NULL,
                progress = CASE WHEN \(params.status.rawValue) = 'succeeded' THEN 100 ELSE progress END
            WHERE id = \(params.id) AND status = 'running'
            """).changed == 1
    }

    func jobErrorsInsert(jobID: Int64, rejections: [Rejection]) throws {
        try Self.insertErrors(jobID: jobID, rejections: rejections, in: link)
    }

    /// One row per problem: a row with two bad values gives two errors with
    /// the same line. They go in by COPY: 4,995 rejects took 0.22 s as
    /// multi-row INSERTs, at the end of an import that the server had
    /// otherwise finished.
    static func insertErrors(jobID: Int64, rejections: [Rejection], in link: PostgresLink) throws {
        let rows = JobErrorRows(jobID: jobID, rejections: rejections)
        guard rows.rowCount > 0 else { return }
        try link.copy(into: PostgresTableName(schema: "sluice", name: "job_errors"), columns: JobErrorRows.columns,
                      data: PostgresCopyEncoder.encode(0..<rows.rowCount, of: rows, withLine: false))
    }

    func jobGet(id: Int64) throws -> Job? {
        try link.query("SELECT * FROM sluice.jobs WHERE id = \(id)").rows.first.map(Self.job)
    }

    func jobList(status: JobStatus?, limit: Int) throws -> [Job] {
        let rows = if let status {
            try link.query("SELECT * FROM sluice.jobs WHERE status = \(status.rawValue) ORDER BY id DESC LIMIT \(limit)").rows
        } else {
            try link.query("SELECT * FROM sluice.jobs ORDER BY id DESC LIMIT \(limit)").rows
        }
        return try rows.map(Self.job)
    }

    func jobErrors(jobID: Int64, limit: Int, offset: Int) throws -> [StoredRowError] {
        try link.query("""
            SELECT * FROM sluice.job_errors WHERE job_id = \(jobID) ORDER BY line, id LIMIT \(limit) OFFSET \(offset)
            """).rows.map { row in
            let r = row.makeRandomAccess()
            return StoredRowError(jobID: try r["job_id"].decode(Int64.self), line: Int(try r["line"].decode(Int64.self)),
                                  byteOffset: try r["byte_offset"].decode(Int64.self),
                                  column: try r["column_name"].decode(String?.self), value: try r["value"].decode(String?.self),
                                  kind: RowErrorKind(rawValue: try r["kind"].decode(String.self)) ?? .malformed,
                                  message: try r["message"].decode(String.self), original: try r["original"].decode(String.self))
        }
    }

    func jobDeleteFinished(before date: Date) throws -> [Int64] {
        // Errors have no foreign key to cascade along (see the migrations).
        try link.query("""
            WITH gone AS (
                DELETE FROM sluice.jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < \(date)
                RETURNING id
            ), errors AS (
                DELETE FROM sluice.job_errors WHERE job_id IN (SELECT id FROM gone)
            )
            SELECT id FROM gone
            """).rows.map { try $0.decode(Int64.self) }.sorted()
    }

    static func job(_ row: PostgresRow) throws -> Job {
        let r = row.makeRandomAccess()
        return Job(
            id: try r["id"].decode(Int64.self), status: JobStatus(rawValue: try r["status"].decode(String.self)) ?? .failed,
            source: try r["source"].decode(String.self), profile: try r["profile"].decode(String?.self),
            table: try r["target_table"].decode(String?.self),
            mode: ImportMode(rawValue: try r["mode"].decode(String.self)) ?? .append,
            rowsRead: Int(try r["rows_read"].decode(Int64.self)), rowsImported: Int(try r["rows_imported"].decode(Int64.self)),
            rowsRejected: Int(try r["rows_rejected"].decode(Int64.self)), bytes: try r["bytes"].decode(Int64.self),
            createdAt: try r["created_at"].decode(Date.self), startedAt: try r["started_at"].decode(Date?.self),
            finishedAt: try r["finished_at"].decode(Date?.self), summary: try r["summary"].decode(String?.self),
            error: try r["error"].decode(String?.self), request: try r["request"].decode(String?.self),
            storageKey: try r["storage_key"].decode(String?.self), progress: Int(try r["progress"].decode(Int32.self)),
            planBasis: try r["plan_basis"].decode(String?.self))
    }
}

/// Lease times as the control tables keep them: unix milliseconds.
enum PostgresTime {
    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
