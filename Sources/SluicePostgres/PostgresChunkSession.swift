import Foundation
import PostgresNIO
import SluiceCore

/// One chunk of a chunked job on PostgreSQL, written into the job's stage
/// `sluice.stage_<job>` on a connection of its own, so that the chunks of
/// a job COPY into the stage side by side, from any number of workers.
///
/// Each call is one short transaction that first locks this chunk's row and
/// checks the lease and the job: a worker that lost its chunk, or whose job
/// ended, writes nothing more. The stage has the target's columns plus
/// `sluice_line`, each row's input line: a worker taking a chunk over
/// deletes the earlier attempt's rows by their lines, and the publish reads
/// the stage in the input's order (see `PostgresPublisher`).
///
/// Locks are always taken job row first, then chunk rows (the finish, a
/// cancel, a failing chunk), so that two of them never wait on each other.
final class PostgresChunkSession: ChunkSession {
    static let lineColumn = "sluice_line"

    private let link: PostgresLink
    private let chunk: Chunk
    private let owner: String
    private let stage: PostgresTableName
    private var plan: ImportPlan?
    private var loader: PostgresRowLoader?
    /// The stage's column types, per plan column, as this session last saw them.
    private var declared: [ColumnType] = []

    init(url: PostgresURL, chunk: Chunk, owner: String) throws {
        link = try PostgresLink.connect(url)
        self.chunk = chunk
        self.owner = owner
        stage = PostgresSchema.stage(jobID: chunk.jobID)
    }

    /// One short transaction: the job's row locked first when `lockingJob`,
    /// then this chunk's row, and the lease checked.
    private func transaction<T>(lockingJob: Bool = false, _ body: (PostgresLink) throws -> T) throws -> T {
        try link.transaction { link in
            if lockingJob { try link.query("SELECT 1 FROM sluice.jobs WHERE id = \(chunk.jobID) FOR UPDATE") }
            try checkLease(in: link)
            return try body(link)
        }
    }

    private func checkLease(in link: PostgresLink) throws {
        let row = try link.query("""
            SELECT c.status, c.lease_owner, j.status FROM sluice.chunks c JOIN sluice.jobs j ON j.id = c.job_id
            WHERE c.id = \(chunk.id) FOR NO KEY UPDATE OF c
            """).rows.first
        let (chunkStatus, leaseOwner, jobStatus) = try row?.decode((String, String?, String).self) ?? ("cancelled", nil, "cancelled")
        let job = JobStatus(rawValue: jobStatus) ?? .cancelled
        guard job == .running else { throw ChunkStopped.jobEnded(job: chunk.jobID, status: job) }
        guard chunkStatus == JobStatus.running.rawValue, leaseOwner == owner else { throw ChunkStopped.leaseLost(chunk: chunk.id) }
    }

    func begin(plan: ImportPlan) throws {
        let aggregates = plan.aggregation != nil
        try transaction { link in
            if try !PostgresStage.exists(stage, in: link) {
                // Two first chunks must not both create it: the job's row decides.
                try link.query("SELECT 1 FROM sluice.jobs WHERE id = \(chunk.jobID) FOR UPDATE")
                if try !PostgresStage.exists(stage, in: link) { try PostgresStage.create(stage, for: plan, in: link) }
            }
            // An aggregating chunk writes only when it finishes, so an
            // attempt that did not finish left nothing; a chunk's first
            // attempt has nothing to delete either (`jobRetry` deletes what
            // a failed chunk left).
            if !aggregates && (chunk.attempts > 1 || chunk.rescueCount > 0) {
                try deleteEarlierAttempt(in: link)
            }
            declared = try PostgresStage.columnTypes(of: stage, plan: plan, in: link)
        }
        self.plan = plan
        loader = PostgresRowLoader(link: link, table: stage, columns: plan.targetColumns.map(\.name), upsertKey: [],
                                   lineColumn: Self.lineColumn)
    }

    /// Removes the stage rows and the errors of this chunk's lines.
    private func deleteEarlierAttempt(in link: PostgresLink) throws {
        let lines = try PostgresStage.lines(of: chunk, in: link)
        try link.query(PostgresQuery(unsafeSQL: """
            DELETE FROM \(stage.sql) WHERE \(Self.lineColumn) >= $1 AND \(Self.lineColumn) < $2
            """, binds: try PostgresStage.binds(lines)))
        try link.query("""
            DELETE FROM sluice.job_errors WHERE job_id = \(chunk.jobID) AND line >= \(lines.first) AND line < \(lines.end)
            """)
    }

    var batchEncoder: (any BatchEncoder)? { PostgresCopyBatchEncoder(withLine: true) }

    func write(_ batches: [MappedBatch], tally: ([Rejection]) throws -> ChunkTally) throws -> Int {
        guard let loader, let plan else { preconditionFailure("write before begin") }
        return try transaction { link in
            if plan.createsTable { try widen(for: batches, plan: plan, in: link) }
            let refused = try load(batches, with: loader, in: link)
            let result = try tally(refused)
            try PostgresJobStore.insertErrors(jobID: chunk.jobID, rejections: result.rejections, in: link)
            return try record(result.counts, in: link)
        }
    }

    /// Sends the batches' rows in one COPY; when the stage refuses one (a
    /// value PostgreSQL cannot store, such as a NUL in text), loads them
    /// again batch by batch down to the refused rows.
    private func load(_ batches: [MappedBatch], with loader: PostgresRowLoader, in link: PostgresLink) throws -> [Rejection] {
        var buffer = ByteBufferAllocator().buffer(capacity: batches.reduce(0) { $0 + ($1.copyRows?.readableBytes ?? 0) })
        for batch in batches {
            var rows = batch.copyRows ?? PostgresCopyEncoder.encode(0..<batch.rowCount, of: batch, withLine: true)
            buffer.writeBuffer(&rows)
        }
        guard buffer.readableBytes > 0 else { return [] }
        try link.query("SAVEPOINT sluice_chunk")
        do {
            try link.copy(into: stage, columns: loader.columns + [Self.lineColumn], data: buffer)
            try link.query("RELEASE SAVEPOINT sluice_chunk")
            return []
        } catch let error as PostgresDriverError where error.refusesRows {
            try link.query("ROLLBACK TO SAVEPOINT sluice_chunk")
            try link.query("RELEASE SAVEPOINT sluice_chunk")
            return try batches.flatMap { try loader.load($0) }
        }
    }

    /// A new table's sniffed column that a later value outgrew is widened
    /// in the stage itself (PostgreSQL's columns are strict), for every chunk.
    private func widen(for batches: [MappedBatch], plan: ImportPlan, in link: PostgresLink) throws {
        var wider = [ColumnType?](repeating: nil, count: declared.count)
        for batch in batches {
            for (index, type) in plan.targetWidened(batch.widenedTypes).enumerated() {
                if let type { wider[index] = wider[index].map { $0.widened(with: type) } ?? type }
            }
        }
        let outgrown = { (index: Int) in wider[index].map { self.declared[index].widened(with: $0) != self.declared[index] } ?? false }
        guard declared.indices.contains(where: outgrown) else { return }
        // Another chunk may have widened it already.
        declared = try PostgresStage.columnTypes(of: stage, plan: plan, in: link)
        for index in declared.indices where outgrown(index) {
            let target = declared[index].widened(with: wider[index]!)
            try PostgresTarget.widen(stage, column: plan.targetColumns[index].name, from: declared[index], to: target, in: link)
            declared[index] = target
        }
    }

    func note(counts: ImportCounts) throws -> Int {
        try transaction { link in try record(counts, in: link) }
    }

    /// Stores the chunk's counts so far, and renews the lease for as long
    /// as it was last granted: the heartbeat's UPDATE waits for this
    /// transaction's lock on the chunk's row, so under load the lease could
    /// run out while the chunk is busy writing. Returns the job's rejected
    /// rows so far.
    private func record(_ counts: ImportCounts, in link: PostgresLink) throws -> Int {
        let now = PostgresTime.milliseconds(Date())
        try link.query("""
            UPDATE sluice.chunks SET rows_read = \(counts.rowsRead), rows_imported = \(counts.rowsImported),
                rows_rejected = \(counts.rowsRejected),
                lease_expires_ms = GREATEST(lease_expires_ms, \(now) + (lease_expires_ms - heartbeat_ms)), heartbeat_ms = \(now)
            WHERE id = \(chunk.id)
            """)
        return Int(try link.query("""
            SELECT COALESCE(SUM(rows_rejected), 0)::BIGINT FROM sluice.chunks WHERE job_id = \(chunk.jobID)
            """).rows[0].decode(Int64.self))
    }

    func finish(counts: ImportCounts, widened: [ColumnType?], groups: ChunkGroups?,
                publishing: JobPublishing) throws -> ChunkFinished {
        guard let plan, let loader else { preconditionFailure("finish before begin") }
        defer { close() }
        // The job's row first: two last chunks finishing at once see each other.
        return try transaction(lockingJob: true) { link in
            if let groups {
                try groups.rejections.forEachChunk { try PostgresJobStore.insertErrors(jobID: chunk.jobID, rejections: $0, in: link) }
                // The stage has no constraints; a group it cannot store is a failure of the chunk.
                let refused = try loader.load(groups.rows)
                if let first = refused.first {
                    throw PostgresDriverError(url: link.url, message: "line \(first.line): the stage refused a group: \(first.summary)")
                }
            }
            try link.query("""
                UPDATE sluice.chunks
                SET status = 'succeeded', rows_read = \(counts.rowsRead), rows_imported = \(counts.rowsImported),
                    rows_rejected = \(counts.rowsRejected), widened = \(try ChunkWidening.json(widened)),
                    lease_expires_ms = NULL, finished_at = \(Date())
                WHERE id = \(chunk.id)
                """)
            let (total, done, read, imported, rejected) = try link.query("""
                SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'succeeded'), COALESCE(SUM(rows_read), 0)::BIGINT,
                       COALESCE(SUM(rows_imported), 0)::BIGINT, COALESCE(SUM(rows_rejected), 0)::BIGINT
                FROM sluice.chunks WHERE job_id = \(chunk.jobID)
                """).rows[0].decode((Int64, Int64, Int64, Int64, Int64).self)
            guard done == total else {
                try link.query("UPDATE sluice.jobs SET progress = \(Int32(10 + 89 * done / max(1, total))) WHERE id = \(chunk.jobID)")
                return .waiting
            }
            let allWidened = try link.query("SELECT widened FROM sluice.chunks WHERE job_id = \(chunk.jobID)").rows
                .map { try $0.decode(String?.self) }
            let refusals = try PostgresPublisher.publish(plan, jobID: chunk.jobID, in: link)
            let refused = refusals.isEmpty ? [] : try publishing.rejections(refusals)
            let totals = JobTotals(
                counts: ImportCounts(rowsRead: Int(read), rowsImported: Int(imported) - refused.count, rowsRejected: Int(rejected) + refused.count),
                widened: try ChunkWidening.merge(allWidened, columns: plan.columns.count))
            let end = try publishing.end(totals, refused)
            try PostgresJobStore.insertErrors(jobID: chunk.jobID, rejections: refused, in: link)
            guard try PostgresJobStore.finish(end, in: link) else { throw ChunkStopped.jobEnded(job: chunk.jobID, status: .cancelled) }
            return .published(refused: refused)
        }
    }

    private func close() {
        loader = nil
        link.close()
    }
}
