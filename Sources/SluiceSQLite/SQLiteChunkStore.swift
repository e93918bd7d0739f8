import Foundation
import GRDB
import SluiceCore

/// Chunks and their leases on SQLite. A claim is one short `BEGIN IMMEDIATE`
/// transaction (find, then a conditional update), so several worker
/// processes on one file never lease the same chunk.
final class SQLiteChunkStore: ChunkStore {
    private let queue: DatabaseQueue
    private let path: String

    init(queue: DatabaseQueue, path: String) {
        self.queue = queue
        self.path = path
    }

    private func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.inImmediateTransaction(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    func chunkInsertMany(jobID: Int64, chunks: [ChunkSpec], now: Date) throws {
        try immediate { db in try Self.insert(chunks, jobID: jobID, now: now, in: db) }
    }

    static func insert(_ chunks: [ChunkSpec], jobID: Int64, now: Date, in db: Database) throws {
        let statement = try db.makeStatement(sql: """
            INSERT INTO sluice_chunks (job_id, chunk_index, range_start, range_end, first_line, bucket_path, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for chunk in chunks {
            try statement.execute(arguments: [jobID, chunk.index, chunk.range?.start, chunk.range?.end,
                                              chunk.range?.firstLine, chunk.bucketPath, now])
        }
    }

    func chunkClaim(_ params: ChunkClaimParams) throws -> Chunk? {
        let now = Self.milliseconds(params.now)
        let claimable = """
            SELECT c.id FROM sluice_chunks c JOIN sluice_jobs j ON j.id = c.job_id
            WHERE j.status = 'running' AND (c.status = 'queued' OR (c.status = 'running' AND c.lease_expires_ms < ?))
                AND (c.job_id = ? OR (? IS NULL AND j.storage_key IS NOT NULL))
            ORDER BY c.job_id, c.chunk_index LIMIT 1
            """
        let arguments: StatementArguments = [now, params.jobID, params.jobID]
        // An idle worker looks often; looking without the write lock keeps
        // it out of the way of the workers that are writing.
        guard try read({ db in try Int64.fetchOne(db, sql: claimable, arguments: arguments) }) != nil else { return nil }
        return try immediate { db in
            guard let id = try Int64.fetchOne(db, sql: claimable, arguments: arguments) else { return nil }
            try db.execute(sql: """
                UPDATE sluice_chunks
                SET rescue_count = rescue_count + (CASE WHEN status = 'running' THEN 1 ELSE 0 END),
                    status = 'running', lease_owner = ?, lease_expires_ms = ?, heartbeat_ms = ?,
                    attempts = attempts + 1, started_at = COALESCE(started_at, ?)
                WHERE id = ? AND (status = 'queued' OR (status = 'running' AND lease_expires_ms < ?))
                """, arguments: [params.owner, now + Int64(params.lease * 1000), now, params.now, id, now])
            guard db.changesCount == 1 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM sluice_chunks WHERE id = ?", arguments: [id]).map(Self.chunk)
        }
    }

    func chunkHeartbeat(id: Int64, owner: String, now: Date, lease: TimeInterval) throws -> Bool {
        let now = Self.milliseconds(now)
        return try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_chunks SET lease_expires_ms = ?, heartbeat_ms = ?
                WHERE id = ? AND lease_owner = ? AND status = 'running'
                """, arguments: [now + Int64(lease * 1000), now, id, owner])
            return db.changesCount == 1
        }
    }

    func chunkFinish(_ params: ChunkFinishParams) throws -> Bool {
        try immediate { db in try Self.finish(params, in: db) }
    }

    /// The guarded running → final update; also used inside a chunk's own transaction.
    static func finish(_ params: ChunkFinishParams, in db: Database) throws -> Bool {
        precondition(params.status.isFinal, "a chunk can only finish in a final status")
        try db.execute(sql: """
            UPDATE sluice_chunks
            SET status = ?, rows_read = ?, rows_imported = ?, rows_rejected = ?, error = ?,
                lease_expires_ms = NULL, finished_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'running'
            """, arguments: [params.status.rawValue, params.counts.rowsRead, params.counts.rowsImported,
                             params.counts.rowsRejected, params.error, params.now, params.id, params.owner])
        return db.changesCount == 1
    }

    func chunkRelease(id: Int64, owner: String) throws -> Bool {
        try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_chunks SET status = 'queued', lease_owner = NULL, lease_expires_ms = NULL
                WHERE id = ? AND lease_owner = ? AND status = 'running'
                """, arguments: [id, owner])
            return db.changesCount == 1
        }
    }

    func chunkRescueExpired(now: Date) throws -> Int {
        try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_chunks SET status = 'queued', lease_owner = NULL, lease_expires_ms = NULL, rescue_count = rescue_count + 1
                WHERE status = 'running' AND lease_expires_ms < ?
                """, arguments: [Self.milliseconds(now)])
            return db.changesCount
        }
    }

    func chunkList(jobID: Int64) throws -> [Chunk] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sluice_chunks WHERE job_id = ? ORDER BY chunk_index",
                             arguments: [jobID]).map(Self.chunk)
        }
    }

    private static func chunk(_ row: Row) -> Chunk {
        let start: Int64? = row["range_start"], end: Int64? = row["range_end"], line: Int? = row["first_line"]
        let range = start.flatMap { start in end.map { ByteRange(start: start, end: $0, firstLine: line ?? 1) } }
        let expires: Int64? = row["lease_expires_ms"], heartbeat: Int64? = row["heartbeat_ms"]
        return Chunk(id: row["id"], jobID: row["job_id"], index: row["chunk_index"], range: range, bucketPath: row["bucket_path"],
                     status: JobStatus(rawValue: row["status"]) ?? .failed, attempts: row["attempts"],
                     leaseOwner: row["lease_owner"], leaseExpiresAt: expires.map(date), heartbeatAt: heartbeat.map(date),
                     counts: ImportCounts(rowsRead: row["rows_read"], rowsImported: row["rows_imported"], rowsRejected: row["rows_rejected"]),
                     rescueCount: row["rescue_count"], error: row["error"])
    }

    private static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
