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
                of: input, path: request.input, count: request.chunks ?? 1, plan: run.plan,
                decoder: request.decoder(for: input.dialect), buckets: buckets, cancellation: cancellation)
            let basis = PlanBasis(existing: try driver.existingColumns(of: run.plan.table), strategy: strategy)
            _ = try driver.jobs.jobPlanned(id: jobID, owner: nil, basis: try basis.json(), chunks: specs, now: now())
            let job = ChunkJob(jobID: jobID, request: request, plan: run.plan, strategy: strategy, dialect: input.dialect,
                               buckets: buckets)
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

    /// Claims the job's chunks one after another until one publishes it or
    /// the job ends.
    private func runChunks(of job: ChunkJob, run: JobRun, headerBytes: Int64, cancellation: CancellationFlag,
                           progress: (ImportCounts) -> Void) throws -> (JobStatus, String?) {
        let owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):job-\(job.jobID)"
        let runner = ChunkRunner(driver: driver, timing: LeaseTiming(), now: now)
        var done = ImportCounts(bytesRead: headerBytes)
        while let chunk = try driver.chunks.chunkClaim(ChunkClaimParams(owner: owner, now: now(), lease: runner.timing.lease, jobID: job.jobID)) {
            let outcome = runner.run(chunk, of: job, owner: owner, cancellation: cancellation, spool: run.spool) { counts in
                progress(done.adding(counts))
            }
            switch outcome {
            case let .succeeded(counts, published):
                done = done.adding(counts)
                run.adopt(done)
                if published { return (.succeeded, nil) }
            case .released:
                _ = try driver.jobCancel(id: job.jobID, now: now())
                return (.cancelled, "cancelled; nothing was imported")
            case .stopped(let stopped):
                return ended(job.jobID, stopped)
            case let .failed(message, _):
                try driver.chunkFailJob(chunk: chunk, owner: owner, error: message, now: now())
                // A foreground job cannot be retried (no stored input), so its stage goes now.
                _ = try? driver.dropUnneededStages()
                run.adopt(done)
                run.discardImported()
                return (.failed, "chunk \(chunk.index + 1) failed: \(message)")
            }
        }
        return ended(job.jobID, .jobEnded(job: job.jobID, status: try driver.jobs.jobGet(id: job.jobID)?.status ?? .cancelled))
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
