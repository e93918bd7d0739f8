import Foundation

/// Runs one import as a job: input → plan → parallel mapping → one writer →
/// one commit. The CLI runs it in the foreground; background workers will
/// run the very same engine, so there is one path through Sluice, not two.
public final class ImportEngine {
    public let driver: any SluiceDriver
    let now: @Sendable () -> Date
    let temporaryDirectory: URL

    public init(driver: any SluiceDriver, now: @escaping @Sendable () -> Date = { Date() },
                temporaryDirectory: URL = FileManager.default.temporaryDirectory) {
        self.driver = driver
        self.now = now
        self.temporaryDirectory = temporaryDirectory
    }

    /// Imports `request`. Throws `InputError`, `PlanError` or a database
    /// error when the import cannot start (nothing is written then);
    /// otherwise returns the outcome, which says whether the job succeeded,
    /// failed (target untouched) or was cancelled (target untouched).
    ///
    /// `claimed` is a job a worker has already moved to running (a background
    /// import); without it the engine records a new job itself. A claimed job
    /// that cannot start (bad input, profile or plan) is marked failed.
    public func run(_ request: ImportRequest, claimed: Job? = nil, cancellation: CancellationFlag = CancellationFlag(),
                    rejectsFile: RejectsFileWriter? = nil,
                    progress: (ImportProgress) -> Void = { _ in }) throws -> ImportOutcome {
        let started = now()
        let input: PreparedInput, plan: ImportPlan
        do {
            input = try PreparedInput.open(request)
            plan = try makePlan(request, input: input)
        } catch {
            if let claimed { failBeforeStart(claimed, error) }
            throw error
        }
        let spool = try RejectionSpool(directory: temporaryDirectory)
        let job = request.dryRun ? nil : try claimed ?? startJob(request, plan: plan, input: input, at: started)
        let run = JobRun(plan: plan, request: request, spool: spool, jobID: job?.id)
        let execution = job != nil && request.chunks ?? 1 > 1 ? executeChunked : execute
        let (status, failure) = execution(run, input, request, cancellation) { counts in
            progress(ImportProgress(counts: counts, bytesTotal: input.bytesTotal, seconds: now().timeIntervalSince(started)))
        }
        try rejectsFile?.write(spool: spool, sourceColumns: plan.sourceColumns)
        return ImportOutcome(jobID: job?.id, status: status, counts: run.counts, table: plan.table,
                             target: driver.targetDescription, seconds: now().timeIntervalSince(started),
                             dryRun: request.dryRun, failure: failure, firstRejections: spool.first)
    }

    private func makePlan(_ request: ImportRequest, input: PreparedInput) throws -> ImportPlan {
        try ImportPlanning.plan(request, input: input, existing: try driver.existingColumns(of: ImportPlanning.targetTable(request)))
    }

    private func failBeforeStart(_ job: Job, _ error: any Error) {
        let message = Self.describe(error)
        _ = try? driver.jobs.jobFinish(JobFinishParams(id: job.id, status: .failed, counts: ImportCounts(),
                                                       summary: "failed: \(message)", error: message, now: now()))
    }

    /// Records the job (queued) and claims it (running) for this engine.
    private func startJob(_ request: ImportRequest, plan: ImportPlan, input: PreparedInput, at started: Date) throws -> Job {
        let job = try driver.jobs.jobCreate(JobCreateParams(
            source: request.input, profile: request.profile?.source, table: plan.table, mode: plan.mode,
            bytes: input.bytesTotal ?? 0, now: started))
        try driver.jobs.jobMarkRunning(id: job.id, now: now())
        return job
    }

    /// Reads, maps and writes everything in one transaction, then commits
    /// (with the job's end) or rolls back and records why.
    private func execute(_ run: JobRun, _ input: PreparedInput, _ request: ImportRequest, _ cancellation: CancellationFlag,
                         progress: (ImportCounts) -> Void) -> (JobStatus, String?) {
        var session: (any ImportSession)?
        do {
            let opened = try driver.makeImportSession()
            session = opened
            try opened.begin(plan: run.plan)
            let decoder = request.decoder(for: input.dialect)
            let pipeline = ImportPipeline(reader: input.reader, mapper: RowMapper(plan: run.plan, decoder: decoder),
                                          workers: request.workers, cancellation: cancellation,
                                          encoder: run.plan.aggregation == nil ? opened.batchEncoder : nil)
            // An aggregating import folds the rows as they come and writes the groups at the end.
            let aggregator = try run.plan.aggregation.map { _ in try BatchAggregator(plan: run.plan) }
            try pipeline.run { batch in
                try run.absorb(batch, refused: try aggregator?.add(batch) ?? opened.write(batch))
                progress(run.counts)
            }
            try run.absorb(refused: try opened.finishWrites())
            if let aggregator, let refused = try opened.write(groups: aggregator.rows()).first {
                throw ImportStop.groupRefused(file: request.input, line: refused.line, table: run.plan.table, reason: refused.summary)
            }
            try run.checkRatio()
            if request.dryRun {
                opened.rollback()
            } else {
                try opened.commit(widened: run.widened, finishing: run.finish(.succeeded, now: now()), rejections: run.spool)
            }
            return (.succeeded, nil)
        } catch {
            session?.rollback()
            return recordFailure(error, of: run)
        }
    }

    /// Marks the job failed or cancelled, with its rejected rows, after a rollback.
    func recordFailure(_ error: any Error, of run: JobRun, storeRejections: Bool = true) -> (JobStatus, String?) {
        let (status, failure) = error is CancellationError
            ? (JobStatus.cancelled, "cancelled; nothing was imported")
            : (JobStatus.failed, Self.describe(error))
        run.discardImported()
        if let finish = run.finish(status, failure: failure, now: now()) {
            // Best effort: the database that failed may refuse this too; the outcome still says why.
            if storeRejections { try? driver.jobs.jobErrorsInsertAll(jobID: finish.id, spool: run.spool) }
            _ = try? driver.jobs.jobFinish(finish)
        }
        return (status, failure)
    }

    /// Sluice's errors describe themselves for the user; so does this.
    static func describe(_ error: any Error) -> String { String(describing: error) }
}

/// The running tally of one job: counts, widened types, the error budget.
final class JobRun {
    let plan: ImportPlan
    let budget: ErrorBudget
    let spool: RejectionSpool
    /// The job being run; nil for a dry run.
    let jobID: Int64?
    private(set) var counts = ImportCounts()
    private(set) var widened: [ColumnType?]

    init(plan: ImportPlan, request: ImportRequest, spool: RejectionSpool, jobID: Int64?) {
        self.plan = plan
        self.budget = request.errorBudget
        self.spool = spool
        self.jobID = jobID
        self.widened = Array(repeating: nil, count: plan.columns.count)
    }

    /// How the job ends, for the job store; nil for a dry run.
    func finish(_ status: JobStatus, failure: String? = nil, now: Date) -> JobFinishParams? {
        jobID.map { JobFinishParams(id: $0, status: status, counts: counts, summary: summary(status: status), error: failure, now: now) }
    }

    /// Counts a written batch; `refused` are its good rows that the
    /// database (or the aggregate) would not take.
    func absorb(_ batch: MappedBatch, refused: [Rejection]) throws {
        counts.rowsRead += batch.recordsRead
        counts.bytesRead = batch.bytesConsumed
        counts.rowsImported += batch.rowCount - refused.count
        var rejections = batch.rejections + refused
        if !refused.isEmpty { rejections.sort { $0.line < $1.line } }
        for rejection in rejections { try spool.append(rejection) }
        counts.rowsRejected += rejections.count
        for (index, type) in batch.widenedTypes.enumerated() {
            if let type { widened[index] = widened[index].map { $0.widened(with: type) } ?? type }
        }
        if let limit = budget.maxErrors, counts.rowsRejected > limit {
            throw ImportStop.tooManyErrors(rejected: counts.rowsRejected, limit: limit, line: rejections.last?.line ?? 0)
        }
    }

    /// Counts rows the database refused after their batch was counted
    /// (a driver that answers for a batch later, `ImportSession.finishWrites`).
    func absorb(refused: [Rejection]) throws {
        guard !refused.isEmpty else { return }
        counts.rowsImported -= refused.count
        counts.rowsRejected += refused.count
        for rejection in refused.sorted(by: { $0.line < $1.line }) { try spool.append(rejection) }
        if let limit = budget.maxErrors, counts.rowsRejected > limit {
            throw ImportStop.tooManyErrors(rejected: counts.rowsRejected, limit: limit, line: refused.map(\.line).max() ?? 0)
        }
    }

    /// The counts of a chunked job, which its chunks kept.
    func adopt(_ total: ImportCounts) { counts = total }

    /// After a rollback nothing landed, whatever was written before.
    func discardImported() { counts.rowsImported = 0 }

    func checkRatio() throws { try budget.checkRatio(counts) }

    func summary(status: JobStatus) -> String {
        "\(status.rawValue): \(counts.rowsRead) read, \(counts.rowsImported) imported, \(counts.rowsRejected) rejected into \(plan.table)"
    }
}

extension ErrorBudget {
    /// The ratio part of the budget, judged on a whole import's counts.
    func checkRatio(_ counts: ImportCounts) throws {
        guard let limit = maxRatio, counts.rowsRead > 0 else { return }
        if Double(counts.rowsRejected) / Double(counts.rowsRead) > limit {
            throw ImportStop.errorRatio(rejected: counts.rowsRejected, read: counts.rowsRead, limit: limit)
        }
    }
}

extension JobStore {
    /// Copies every spooled rejection into the job's errors.
    public func jobErrorsInsertAll(jobID: Int64, spool: RejectionSpool) throws {
        try spool.forEachChunk { try jobErrorsInsert(jobID: jobID, rejections: $0) }
    }
}
