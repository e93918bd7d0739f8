import Foundation

/// The chunked path in the foreground (`--chunks N`): the engine plans the
/// chunks, then claims and runs them itself with the same `ChunkRunner` the
/// background workers use. The last chunk's transaction publishes the
/// stage; until then the target is untouched.
extension ImportEngine {
    func executeChunked(_ run: JobRun, _ input: PreparedInput, _ request: ImportRequest, _ cancellation: CancellationFlag,
                        progress: (ImportCounts) -> Void) -> (JobStatus, String?) {
        guard let jobID = run.jobID else { return (.failed, "a chunked import needs a job") }
        // Bucket files of a hash plan live only as long as this import.
        let buckets = temporaryDirectory.appendingPathComponent("sluice-buckets-\(jobID)-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: buckets) }
        do {
            let (strategy, specs) = try ChunkPlanner.chunks(
                of: input, request: request, count: request.chunks ?? 1, plan: run.plan,
                decoder: request.decoder(for: input.dialect), buckets: .directory(buckets), cancellation: cancellation)
            let basis = PlanBasis(existing: try driver.existingColumns(of: run.plan.table), strategy: strategy)
            _ = try driver.jobs.jobPlanned(id: jobID, owner: nil, basis: try basis.json(), chunks: specs, now: now())
            let job = ChunkJob(jobID: jobID, request: request, plan: run.plan, strategy: strategy, dialect: input.dialect,
                               buckets: .directory(buckets))
            // The header is read by the planner, outside every chunk.
            let headerBytes = specs.first?.range?.start ?? 0
            return try runChunks(of: job, run: run, headerBytes: headerBytes, cancellation: cancellation, progress: progress)
        } catch {
            // Chunks store their rejected rows as they go.
            let ended = recordFailure(error, of: run, storeRejections: false)
            _ = try? driver.dropUnneededStages()
            return ended
        }
    }

    /// Runs the job's chunks on `request.concurrency` threads, each
    /// claiming chunk after chunk, until one publishes the job or the job
    /// ends. This thread passes the user's cancellation on and reports
    /// progress; a chunk that fails stops the others.
    private func runChunks(of job: ChunkJob, run: JobRun, headerBytes: Int64, cancellation: CancellationFlag,
                           progress: (ImportCounts) -> Void) throws -> (JobStatus, String?) {
        let board = ChunkBoard(headerBytes: headerBytes)
        let stop = CancellationFlag()
        let threads = DispatchGroup()
        let chunkCount = try driver.chunks.chunkList(jobID: job.jobID).count
        let me = UncheckedBox((engine: self, job: job))
        for index in 0..<max(1, min(job.request.concurrency, chunkCount)) {
            threads.enter()
            let thread = Thread {
                me.value.engine.claimAndRun(of: me.value.job, runner: index + 1, board: board, stop: stop)
                threads.leave()
            }
            thread.name = "sluice-chunks-\(index + 1)"
            thread.start()
        }
        while threads.wait(timeout: .now() + 0.1) == .timedOut {
            if cancellation.isCancelled { stop.cancel() }
            progress(board.progress)
        }
        // Every row read counts, also those of chunks that did not finish
        // (a failed job reports how far it got; a published one has no such chunk).
        progress(board.progress)
        run.adopt(board.progress)
        try board.collectRejections(into: run.spool)
        switch board.ended {
        case .published:
            return (.succeeded, nil)
        case .released:
            _ = try driver.jobCancel(id: job.jobID, now: now())
            return (.cancelled, "cancelled; nothing was imported")
        case .stopped(let stopped):
            return ended(job.jobID, stopped)
        case let .failed(chunk, message):
            run.discardImported()
            return (.failed, "chunk \(chunk + 1) failed: \(message)")
        case .error(let error):
            throw error
        case nil:
            return ended(job.jobID, .jobEnded(job: job.jobID, status: try driver.jobs.jobGet(id: job.jobID)?.status ?? .cancelled))
        }
    }

    /// One chunk thread: claims and runs the job's chunks until none is
    /// left to claim or the run has ended.
    private func claimAndRun(of job: ChunkJob, runner number: Int, board: ChunkBoard, stop: CancellationFlag) {
        let owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):job-\(job.jobID)-\(number)"
        let runner = ChunkRunner(driver: driver, timing: LeaseTiming(), now: now)
        do {
            while board.ended == nil, !stop.isCancelled,
                  let chunk = try driver.chunks.chunkClaim(ChunkClaimParams(owner: owner, now: now(), lease: runner.timing.lease, jobID: job.jobID)) {
                let spool = try RejectionSpool(directory: temporaryDirectory)
                let outcome = runner.run(chunk, of: job, owner: owner, cancellation: stop, spool: spool) { counts in
                    board.update(chunk: chunk.index, counts: counts)
                }
                board.keep(rejections: spool, of: chunk.index)
                switch outcome {
                case let .succeeded(counts, published, refused):
                    board.succeeded(chunk: chunk.index, counts: counts)
                    if published {
                        board.refusedAtPublish(refused)
                        board.end(.published)
                    }
                case .released:
                    board.end(.released)
                case .stopped(let stopped):
                    board.end(.stopped(stopped))
                case let .failed(message, _):
                    board.end(.failed(chunk: chunk.index, message: message))
                    stop.cancel()
                    try driver.chunkFailJob(chunk: chunk, owner: owner, error: message, now: now())
                    // A foreground job cannot be retried (no stored input), so its stage goes now.
                    _ = try? driver.dropUnneededStages()
                }
            }
        } catch {
            board.end(.error(error))
            stop.cancel()
        }
    }

    /// The job ended while its chunks ran (another process cancelled it).
    private func ended(_ jobID: Int64, _ stopped: ChunkStopped) -> (JobStatus, String?) {
        let job = try? driver.jobs.jobGet(id: jobID)
        let status = job?.status ?? .cancelled
        return (status == .running ? .failed : status, job?.error ?? (status == .cancelled ? "cancelled; nothing was imported" : "\(stopped)"))
    }
}

extension ImportCounts {
    func adding(_ other: ImportCounts) -> ImportCounts {
        ImportCounts(rowsRead: rowsRead + other.rowsRead, rowsImported: rowsImported + other.rowsImported,
                     rowsRejected: rowsRejected + other.rowsRejected, bytesRead: bytesRead + other.bytesRead)
    }
}
