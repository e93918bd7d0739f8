import Foundation

/// Plans a queued background job that a worker has claimed: opens and
/// sniffs its stored input, builds and checks the plan (a bad profile
/// fails the job here, before any chunk), and cuts the input into chunks,
/// all under the job's planning lease.
struct JobPlanning {
    let driver: any SluiceDriver
    let storage: JobStorage
    let configuration: ImportWorker.Configuration
    let now: @Sendable () -> Date

    func plan(_ job: Job, cancellation: CancellationFlag) -> WorkerEvent {
        let jobs = driver.jobs, owner = configuration.owner, lease = configuration.timing.lease, now = self.now
        let keeper = LeaseKeeper(every: configuration.timing.heartbeat, parent: cancellation) {
            try jobs.jobHeartbeat(id: job.id, owner: owner, now: now(), lease: lease)
        }
        defer { keeper.end() }
        do {
            let stored = try storage.blob(job.storageKey ?? "")
            let request = try StoredImportRequest.from(json: job.request ?? "").request(storedInput: stored, workers: configuration.threads)
            let input = try PreparedInput.open(request)
            let existing = try driver.existingColumns(of: ImportPlanning.targetTable(request))
            let plan = try ImportPlanning.plan(request, input: input, existing: existing)
            let count = request.chunks ?? ChunkPlanner.automaticCount(bytes: input.bytesTotal ?? 0)
            let (strategy, chunks) = try ChunkPlanner.chunks(
                of: input, request: request, count: count, plan: plan, decoder: request.decoder(for: input.dialect),
                buckets: .of(job: job.id, in: stored.store), cancellation: keeper.stop)
            let basis = try PlanBasis(existing: existing, strategy: strategy).json()
            guard try jobs.jobPlanned(id: job.id, owner: owner, basis: basis, chunks: chunks, now: now()) else {
                return .jobReleased(jobID: job.id)
            }
            return .planned(jobID: job.id, chunks: chunks.count)
        } catch is CancellationError {
            _ = try? jobs.jobRelease(id: job.id, owner: owner)
            return .jobReleased(jobID: job.id)
        } catch {
            let message = String(describing: error)
            _ = try? jobs.jobFinish(JobFinishParams(id: job.id, status: .failed, counts: ImportCounts(),
                                                    summary: "failed: \(message)", error: message, now: now()))
            return .jobFailed(jobID: job.id, reason: message)
        }
    }
}
