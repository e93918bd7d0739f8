import Foundation
import PostgresNIO
import Synchronization
import SluiceCore

/// Sluice on PostgreSQL: the control tables in schema `sluice` (created or
/// brought up to date by migrations when the driver opens), target tables
/// in the connection's own schema.
///
/// One-pass imports COPY in one transaction (`PostgresImportSession`);
/// chunked jobs COPY into a stage side by side (`PostgresChunkSession`),
/// and their last chunk publishes it (`PostgresPublisher`).
public final class PostgresDriver: SluiceDriver, Sendable {
    public let url: PostgresURL
    public let jobs: any JobStore
    public let chunks: any ChunkStore
    public let locks: any LockService
    let link: PostgresLink

    public init(url: PostgresURL) throws {
        self.url = url
        link = try PostgresLink.connect(url)
        do {
            try PostgresMigrations.migrate(link)
        } catch {
            link.close()
            throw error
        }
        jobs = PostgresJobStore(link: link)
        chunks = PostgresChunkStore(link: link)
        locks = PostgresLockService(link: link)
    }

    /// This driver's LISTEN connection, opened when a worker first waits.
    private let signal = Mutex<PostgresWorkSignal?>(nil)

    /// nil when the listening connection cannot be opened: workers then poll.
    public var workSignal: (any WorkSignal)? {
        signal.withLock { signal in
            if signal == nil { signal = try? PostgresWorkSignal(url: url) }
            return signal
        }
    }

    /// The blob store, on a connection of its own, opened on first use.
    private let blobs = Mutex<PostgresBlobStore?>(nil)

    public func blobStore() throws -> (any BlobStore)? {
        try blobs.withLock { blobs in
            if blobs == nil { blobs = try PostgresBlobStore(url: url) }
            return blobs
        }
    }

    /// Where the data lands, for messages: never the password.
    public var targetDescription: String { url.redacted }

    public func existingColumns(of table: String) throws -> [ExistingColumn]? {
        try PostgresTarget.existingColumns(of: table, in: link)
    }

    public func makeImportSession() throws -> any ImportSession {
        PostgresImportSession(url: url)
    }

    public func makeChunkSession(chunk: Chunk, owner: String) throws -> any ChunkSession {
        try PostgresChunkSession(url: url, chunk: chunk, owner: owner)
    }

    public func chunkFailJob(chunk: Chunk, owner: String, error: String, now: Date) throws {
        try link.transaction { link in
            // The job's row first, as every transaction that changes a job and its chunks.
            try link.query("SELECT 1 FROM sluice.jobs WHERE id = \(chunk.jobID) FOR UPDATE")
            try link.query("""
                UPDATE sluice.chunks SET status = 'failed', error = \(error), lease_expires_ms = NULL, finished_at = \(now)
                WHERE id = \(chunk.id) AND lease_owner = \(owner) AND status = 'running'
                """)
            try link.query("""
                UPDATE sluice.chunks SET status = 'cancelled', lease_expires_ms = NULL, finished_at = \(now)
                WHERE job_id = \(chunk.jobID) AND status IN ('queued', 'running')
                """)
            let (read, rejected) = try link.query("""
                SELECT COALESCE(SUM(rows_read), 0)::BIGINT, COALESCE(SUM(rows_rejected), 0)::BIGINT FROM sluice.chunks WHERE job_id = \(chunk.jobID)
                """).rows[0].decode((Int64, Int64).self)
            let message = "chunk \(chunk.index + 1) failed: \(error)"
            _ = try PostgresJobStore.finish(JobFinishParams(
                id: chunk.jobID, status: .failed, counts: ImportCounts(rowsRead: Int(read), rowsImported: 0, rowsRejected: Int(rejected)),
                summary: "failed: \(message)", error: message, now: now), in: link)
        }
    }

    public func jobCancel(id: Int64, now: Date) throws -> Bool {
        try link.transaction { link in
            let cancelled = try link.query("""
                UPDATE sluice.jobs SET status = 'cancelled', finished_at = \(now), lease_owner = NULL, lease_expires_ms = NULL,
                    rows_imported = 0,
                    summary = CASE status WHEN 'queued' THEN 'cancelled before it started' ELSE 'cancelled; nothing was imported' END
                WHERE id = \(id) AND status IN ('queued', 'running')
                """).changed
            guard cancelled == 1 else { return false }
            try link.query("""
                UPDATE sluice.chunks SET status = 'cancelled', lease_expires_ms = NULL, finished_at = \(now)
                WHERE job_id = \(id) AND status IN ('queued', 'running')
                """)
            try link.query("DROP TABLE IF EXISTS \(unescaped: PostgresSchema.stageName(jobID: id))")
            return true
        }
    }

    public func dropUnneededStages() throws -> [Int64] {
        try link.transaction { link in
            let ids = try link.query("""
                SELECT substr(tablename, 7)::BIGINT FROM pg_tables
                WHERE schemaname = 'sluice' AND tablename ~ '^stage_[0-9]+$'
                  AND NOT EXISTS (SELECT 1 FROM sluice.jobs j WHERE j.id = substr(tablename, 7)::BIGINT
                                  AND (j.status IN ('queued', 'running') OR (j.status = 'failed' AND j.storage_key IS NOT NULL)))
                """).rows.map { try $0.decode(Int64.self) }
            for id in ids { try link.query("DROP TABLE IF EXISTS \(unescaped: PostgresSchema.stageName(jobID: id))") }
            return ids.sorted()
        }
    }

    /// Runs SQL of the user's own (tests, diagnostics).
    public func execute(_ sql: String) throws {
        try link.query(PostgresQuery(unsafeSQL: sql))
    }

    /// Runs a query whose columns are all text (cast the others: `x::TEXT`); rows as text.
    public func query(_ sql: String) throws -> [[String?]] {
        try link.query(PostgresQuery(unsafeSQL: sql)).rows.map { row in
            try row.map { cell in try cell.decode(String?.self) }
        }
    }

    public func close() {
        link.close()
        // The LISTEN and blob connections close when their objects go.
        signal.withLock { $0 = nil }
        blobs.withLock { $0 = nil }
    }
}
