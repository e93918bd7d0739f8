import Foundation
import PostgresNIO
import SluiceCore

/// Chunks and their leases on PostgreSQL. A claim is one statement: the
/// first claimable chunk, locked with `FOR UPDATE SKIP LOCKED` (so racing
/// workers each take a different one without waiting), updated in place.
final class PostgresChunkStore: ChunkStore {
    private let link: PostgresLink

    init(link: PostgresLink) {
        self.link = link
    }

    func chunkInsertMany(jobID: Int64, chunks: [ChunkSpec], now: Date) throws {
        try link.transaction { link in
            try PostgresChunkRows.insert(chunks, jobID: jobID, now: now, in: link)
            try PostgresWorkSignal.notify(in: link)
        }
    }

    func chunkClaim(_ params: ChunkClaimParams) throws -> Chunk? {
        let now = PostgresTime.milliseconds(params.now)
        let expires = now + Int64(params.lease * 1000)
        return try link.query("""
            UPDATE sluice.chunks
            SET rescue_count = rescue_count + (CASE WHEN status = 'running' THEN 1 ELSE 0 END),
                status = 'running', lease_owner = \(params.owner), lease_expires_ms = \(expires), heartbeat_ms = \(now),
                attempts = attempts + 1, started_at = COALESCE(started_at, \(params.now))
            WHERE id = (
                SELECT c.id FROM sluice.chunks c JOIN sluice.jobs j ON j.id = c.job_id
                WHERE j.status = 'running' AND (c.status = 'queued' OR (c.status = 'running' AND c.lease_expires_ms < \(now)))
                    AND (c.job_id = \(params.jobID) OR (\(params.jobID)::BIGINT IS NULL AND j.storage_key IS NOT NULL))
                ORDER BY c.job_id, c.chunk_index LIMIT 1
                FOR UPDATE OF c SKIP LOCKED)
            RETURNING *
            """).rows.first.map(PostgresChunkRows.chunk)
    }

    func chunkHeartbeat(id: Int64, owner: String, now: Date, lease: TimeInterval) throws -> Bool {
        let now = PostgresTime.milliseconds(now)
        return try link.query("""
            UPDATE sluice.chunks SET lease_expires_ms = \(now + Int64(lease * 1000)), heartbeat_ms = \(now)
            WHERE id = \(id) AND lease_owner = \(owner) AND status = 'running'
            """).changed == 1
    }

    func chunkFinish(_ params: ChunkFinishParams) throws -> Bool {
        precondition(params.status.isFinal, "a chunk can only finish in a final status")
        return try link.query("""
            UPDATE sluice.chunks
            SET status = \(params.status.rawValue), rows_read = \(params.counts.rowsRead),
                rows_imported = \(params.counts.rowsImported), rows_rejected = \(params.counts.rowsRejected),
                error = \(params.error), lease_expires_ms = NULL, finished_at = \(params.now)
            WHERE id = \(params.id) AND lease_owner = \(params.owner) AND status = 'running'
            """).changed == 1
    }

    func chunkRelease(id: Int64, owner: String) throws -> Bool {
        try PostgresWorkSignal.announcing(in: link, when: { $0 }) { link in
            try link.query("""
                UPDATE sluice.chunks SET status = 'queued', lease_owner = NULL, lease_expires_ms = NULL
                WHERE id = \(id) AND lease_owner = \(owner) AND status = 'running'
                """).changed == 1
        }
    }

    func chunkList(jobID: Int64) throws -> [Chunk] {
        try link.query("SELECT * FROM sluice.chunks WHERE job_id = \(jobID) ORDER BY chunk_index").rows.map(PostgresChunkRows.chunk)
    }

    func chunkRescueExpired(now: Date) throws -> Int {
        try PostgresWorkSignal.announcing(in: link, when: { $0 > 0 }) { link in
            try link.query("""
                UPDATE sluice.chunks SET status = 'queued', lease_owner = NULL, lease_expires_ms = NULL, rescue_count = rescue_count + 1
                WHERE status = 'running' AND lease_expires_ms < \(PostgresTime.milliseconds(now))
                """).changed
        }
    }
}
