import Foundation

/// How one claimed chunk ended, for whoever claimed it.
enum ChunkOutcome {
    /// Written and marked succeeded; `published` when it was the job's last
    /// chunk and this worker published the job.
    case succeeded(counts: ImportCounts, published: Bool)
    /// The worker is stopping: the chunk went back to the queue.
    case released
    /// The chunk is no longer this worker's business (job ended, lease lost).
    case stopped(ChunkStopped)
    /// The chunk failed; `transient` errors may pass when tried again.
    case failed(message: String, transient: Bool)
}

/// A test's way to make a chunk fail: called after each batch of a chunk.
public typealias ChunkFaultInjection = @Sendable (_ chunkIndex: Int, _ attempt: Int, _ counts: ImportCounts) throws -> Void

/// Runs one claimed chunk: its records through the ordinary pipeline into
/// the job's stage, batch by batch, while a `LeaseKeeper` renews the lease.
/// The chunk's last transaction publishes the job when no other chunk is
/// left, so exactly one worker publishes.
struct ChunkRunner {
    let driver: any SluiceDriver
    let timing: LeaseTiming
    let now: @Sendable () -> Date
    var faults: ChunkFaultInjection?

    func run(_ chunk: Chunk, of job: ChunkJob, owner: String, cancellation: CancellationFlag,
             spool: RejectionSpool? = nil, progress: (ImportCounts) -> Void = { _ in }) -> ChunkOutcome {
        let chunks = driver.chunks, now = self.now, lease = timing.lease
        let keeper = LeaseKeeper(every: timing.heartbeat, parent: cancellation) {
            try chunks.chunkHeartbeat(id: chunk.id, owner: owner, now: now(), lease: lease)
        }
        defer { keeper.end() }
        do {
            let session = try driver.makeChunkSession(chunk: chunk, owner: owner)
            try session.begin(plan: job.plan)
            let (counts, widened) = try write(chunk, of: job, into: session, stop: keeper.stop, spool: spool, progress: progress)
            let published = try session.finish(counts: counts, widened: widened) { totals in
                try job.request.errorBudget.checkRatio(totals.counts)
                return JobFinishParams(id: job.jobID, status: .succeeded, counts: totals.counts,
                                       summary: "succeeded: \(totals.counts.rowsRead) read, \(totals.counts.rowsImported) imported, \(totals.counts.rowsRejected) rejected into \(job.plan.table)",
                                       now: now())
            }
            return .succeeded(counts: counts, published: published)
        } catch let stopped as ChunkStopped {
            return .stopped(stopped)
        } catch is CancellationError {
            if keeper.leaseLost { return .stopped(.leaseLost(chunk: chunk.id)) }
            // The worker is stopping: hand the chunk back; its rows are deleted by whoever runs it next.
            _ = try? driver.chunks.chunkRelease(id: chunk.id, owner: owner)
            return .released
        } catch {
            return .failed(message: String(describing: error), transient: error.isTransient)
        }
    }

    /// Reads, maps and writes the chunk's records; returns its counts and widened types.
    private func write(_ chunk: Chunk, of job: ChunkJob, into session: any ChunkSession, stop: CancellationFlag,
                       spool: RejectionSpool?, progress: (ImportCounts) -> Void) throws -> (ImportCounts, [ColumnType?]) {
        var counts = ImportCounts()
        var widened = [ColumnType?](repeating: nil, count: job.plan.columns.count)
        let budget = job.request.errorBudget
        let pipeline = ImportPipeline(reader: try job.reader(for: chunk), mapper: RowMapper(plan: job.plan, decoder: job.decoder),
                                      workers: job.request.workers, cancellation: stop)
        try pipeline.run { batch in
            var tallied = ChunkTally(rejections: [], counts: counts)
            let jobRejected = try session.write(batch) { refused in
                var rejections = batch.rejections + refused
                if !refused.isEmpty { rejections.sort { $0.line < $1.line } }
                var next = counts
                next.rowsRead += batch.recordsRead
                next.rowsImported += batch.rowCount - refused.count
                next.rowsRejected += rejections.count
                next.bytesRead = batch.bytesConsumed
                tallied = ChunkTally(rejections: rejections, counts: next)
                return tallied
            }
            counts = tallied.counts
            for rejection in tallied.rejections { try spool?.append(rejection) }
            for (index, type) in batch.widenedTypes.enumerated() {
                if let type { widened[index] = widened[index].map { $0.widened(with: type) } ?? type }
            }
            progress(counts)
            if let limit = budget.maxErrors, jobRejected > limit {
                throw ImportStop.tooManyErrors(rejected: jobRejected, limit: limit, line: tallied.rejections.last?.line ?? 0)
            }
            try faults?(chunk.index, chunk.attempts, counts)
        }
        return (counts, widened)
    }

}
