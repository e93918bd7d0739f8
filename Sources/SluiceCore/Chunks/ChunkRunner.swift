import Foundation

/// How one claimed chunk ended, for whoever claimed it.
enum ChunkOutcome {
    /// Written and marked succeeded; `published` when it was the job's last
    /// chunk and this worker published the job, without the staged rows the
    /// target refused (`refused`, in input order).
    case succeeded(counts: ImportCounts, published: Bool, refused: [Rejection] = [])
    /// The worker is stopping: the chunk went back to the queue.
    case released
    /// The chunk is no longer this worker's business (job ended, lease lost).
    case stopped(ChunkStopped)
    /// The chunk failed; `transient` errors may pass when tried again.
    case failed(message: String, transient: Bool)
}

/// A test's way to make a chunk fail: called after each transaction a chunk writes.
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
            let written = try write(chunk, of: job, into: session, stop: keeper.stop, spool: spool, progress: progress)
            // Read before the finish's transaction, which a SQLite driver's other calls would wait for.
            let chunkList = try driver.chunks.chunkList(jobID: job.jobID)
            switch try session.finish(counts: written.counts, widened: written.widened, groups: written.groups,
                                      publishing: publishing(job, chunks: chunkList)) {
            case .waiting: return .succeeded(counts: written.counts, published: false)
            case .published(let refused): return .succeeded(counts: written.counts, published: true, refused: refused)
            }
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

    /// How the last chunk ends the job: the error budget judged on the
    /// totals (with the rows the target refused at the publish), and the
    /// refused rows' records read again from the input.
    private func publishing(_ job: ChunkJob, chunks: [Chunk]) -> JobPublishing {
        let budget = job.request.errorBudget, table = job.plan.table, now = self.now
        return JobPublishing(
            end: { totals, refused in
                if let limit = budget.maxErrors, totals.counts.rowsRejected > limit, let line = refused.last?.line {
                    throw ImportStop.tooManyErrors(rejected: totals.counts.rowsRejected, limit: limit, line: line)
                }
                try budget.checkRatio(totals.counts)
                let counts = totals.counts
                return JobFinishParams(id: job.jobID, status: .succeeded, counts: counts,
                                       summary: "succeeded: \(counts.rowsRead) read, \(counts.rowsImported) imported, \(counts.rowsRejected) rejected into \(table)",
                                       now: now())
            },
            rejections: { refusals in
                try StagedRowRecords(job: job, chunks: chunks).rejections(for: refusals)
            })
    }

    /// What reading a chunk came to.
    private struct Written {
        var counts = ImportCounts()
        var widened: [ColumnType?]
        /// An aggregating chunk's groups and rejected rows, for its finish.
        var groups: ChunkGroups?
    }

    /// Reads and maps the chunk's records. A plain chunk writes its rows and
    /// rejections as it goes, a few batches per transaction (`BatchGroup`);
    /// an aggregating one folds the rows and keeps its rejections aside, and
    /// writes both when it finishes.
    private func write(_ chunk: Chunk, of job: ChunkJob, into session: any ChunkSession, stop: CancellationFlag,
                       spool: RejectionSpool?, progress: (ImportCounts) -> Void) throws -> Written {
        var written = Written(widened: [ColumnType?](repeating: nil, count: job.plan.columns.count))
        let budget = job.request.errorBudget
        let aggregator = try job.plan.aggregation.map { _ in try BatchAggregator(plan: job.plan) }
        let kept = try aggregator.map { _ in try RejectionSpool() }
        let pipeline = ImportPipeline(reader: try job.reader(for: chunk), mapper: RowMapper(plan: job.plan, decoder: job.decoder),
                                      workers: job.request.workers, cancellation: stop,
                                      encoder: aggregator == nil ? session.batchEncoder : nil)
        var group = BatchGroup()

        func flush() throws {
            guard !group.isEmpty else { return }
            let batches = group.take()
            let tallied: ChunkTally, jobRejected: Int
            if let aggregator, let kept {
                tallied = Self.tally(batches, refused: batches.flatMap { aggregator.add($0) }, after: written.counts)
                for rejection in tallied.rejections { try kept.append(rejection) }
                jobRejected = try session.note(counts: tallied.counts)
            } else {
                var result: ChunkTally?
                jobRejected = try session.write(batches) { refused in
                    result = Self.tally(batches, refused: refused, after: written.counts)
                    return result!
                }
                tallied = result!
            }
            written.counts = tallied.counts
            for rejection in tallied.rejections { try spool?.append(rejection) }
            for batch in batches {
                for (index, type) in batch.widenedTypes.enumerated() {
                    if let type { written.widened[index] = written.widened[index].map { $0.widened(with: type) } ?? type }
                }
            }
            progress(written.counts)
            // The chunk whose rejected rows crossed the limit says so, with its line;
            // another chunk that merely sees the total goes on and is cancelled with the job.
            if let limit = budget.maxErrors, jobRejected > limit, let line = tallied.rejections.last?.line {
                throw ImportStop.tooManyErrors(rejected: jobRejected, limit: limit, line: line)
            }
            try faults?(chunk.index, chunk.attempts, written.counts)
        }

        try pipeline.run { batch in
            group.add(batch)
            if group.isFull { try flush() }
        }
        try flush()
        if let aggregator, let kept { written.groups = ChunkGroups(rows: aggregator.rows(), rejections: kept) }
        return written
    }

    /// The batches' rejections (the mapper's and `refused`, in line order)
    /// and the chunk's counts with the batches added to `counts`.
    private static func tally(_ batches: [MappedBatch], refused: [Rejection], after counts: ImportCounts) -> ChunkTally {
        var rejections = batches.flatMap(\.rejections) + refused
        if !refused.isEmpty { rejections.sort { $0.line < $1.line } }
        var next = counts
        next.rowsRead += batches.reduce(0) { $0 + $1.recordsRead }
        next.rowsImported += batches.reduce(0) { $0 + $1.rowCount } - refused.count
        next.rowsRejected += rejections.count
        next.bytesRead = batches.last?.bytesConsumed ?? counts.bytesRead
        return ChunkTally(rejections: rejections, counts: next)
    }
}
