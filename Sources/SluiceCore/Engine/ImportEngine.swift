import Foundation

/// Runs one import as a job: input → plan → parallel mapping → one writer →
/// one commit. The CLI runs it in the foreground; background workers will
/// run the very same engine, so there is one path through Sluice, not two.
public final class ImportEngine {
    public let driver: any SluiceDriver
    private let now: @Sendable () -> Date
    private let temporaryDirectory: URL

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
    public func run(_ request: ImportRequest, cancellation: CancellationFlag = CancellationFlag(),
                    rejectsFile: RejectsFileWriter? = nil,
                    progress: (ImportProgress) -> Void = { _ in }) throws -> ImportOutcome {
        let started = now()
        let input = try PreparedInput.open(request)
        let table = request.table ?? request.profile?.table ?? Identifier.tableName(forFile: request.input)
        let plan = try PlanBuilder(
            file: request.input, headerLine: input.headerLine, sourceColumns: input.columns, sniffedTypes: input.sniffedTypes,
            profile: request.profile, existing: try driver.existingColumns(of: table), table: table,
            mode: request.effectiveMode, key: request.key, alter: request.alter, positional: input.positional
        ).build()
        let spool = try RejectionSpool(directory: temporaryDirectory)
        let job = request.dryRun ? nil : try driver.jobs.jobCreate(JobCreateParams(
            source: request.input, profile: request.profile?.source, table: table, mode: plan.mode,
            bytes: input.bytesTotal ?? 0, now: started))
        if let job { try driver.jobs.jobMarkRunning(id: job.id, now: now()) }

        let run = JobRun(plan: plan, request: request, spool: spool)
        let session = try driver.makeImportSession()
        var status = JobStatus.succeeded
        var failure: String?
        do {
            try session.begin(plan: plan)
            let mapper = RowMapper(plan: plan, decoder: FieldDecoder(quote: input.dialect?.quote ?? UInt8(ascii: "\""),
                                                                    emptyQuotedIsNull: request.emptyQuotedIsNull))
            let pipeline = ImportPipeline(reader: input.reader, mapper: mapper, workers: request.workers, cancellation: cancellation)
            try pipeline.run { batch in
                try run.absorb(batch, rejectedByDatabase: try session.write(batch))
                progress(ImportProgress(counts: run.counts, bytesTotal: input.bytesTotal, seconds: now().timeIntervalSince(started)))
            }
            try run.checkRatio()
            let finish = job.map { JobFinishParams(id: $0.id, status: .succeeded, counts: run.counts,
                                                   summary: run.summary(status: .succeeded, table: table), now: now()) }
            if request.dryRun { session.rollback() } else {
                try session.commit(widened: run.widened, finishing: finish, rejections: spool)
            }
        } catch {
            session.rollback()
            (status, failure) = error is CancellationError
                ? (.cancelled, "cancelled; nothing was imported")
                : (.failed, Self.describe(error))
            run.discardImported()
            if let job {
                try? driver.jobs.jobErrorsInsertAll(jobID: job.id, spool: spool)
                _ = try? driver.jobs.jobFinish(JobFinishParams(id: job.id, status: status, counts: run.counts,
                                                           summary: run.summary(status: status, table: table), error: failure, now: now()))
            }
        }
        try rejectsFile?.write(spool: spool, sourceColumns: plan.sourceColumns)
        return ImportOutcome(jobID: job?.id, status: status, counts: run.counts, table: table,
                             target: driver.targetDescription, seconds: now().timeIntervalSince(started),
                             dryRun: request.dryRun, failure: failure, firstRejections: spool.first)
    }

    /// Sluice's errors describe themselves for the user; so does this.
    static func describe(_ error: any Error) -> String { String(describing: error) }
}

/// The running tally of one job: counts, widened types, the error budget.
final class JobRun {
    let plan: ImportPlan
    let budget: ErrorBudget
    let spool: RejectionSpool
    private(set) var counts = ImportCounts()
    private(set) var widened: [ColumnType?]

    init(plan: ImportPlan, request: ImportRequest, spool: RejectionSpool) {
        self.plan = plan
        self.budget = request.errorBudget
        self.spool = spool
        self.widened = Array(repeating: nil, count: plan.columns.count)
    }

    func absorb(_ batch: MappedBatch, rejectedByDatabase: [Rejection]) throws {
        counts.rowsRead += batch.recordsRead
        counts.bytesRead = batch.bytesConsumed
        counts.rowsImported += batch.rowCount - rejectedByDatabase.count
        var rejections = batch.rejections + rejectedByDatabase
        if !rejectedByDatabase.isEmpty { rejections.sort { $0.line < $1.line } }
        for rejection in rejections { try spool.append(rejection) }
        counts.rowsRejected += rejections.count
        for (index, type) in batch.widenedTypes.enumerated() {
            if let type { widened[index] = widened[index].map { $0.widened(with: type) } ?? type }
        }
        if let limit = budget.maxErrors, counts.rowsRejected > limit {
            throw ImportStop.tooManyErrors(rejected: counts.rowsRejected, limit: limit, line: rejections.last?.line ?? 0)
        }
    }

    /// After a rollback nothing landed, whatever was written before.
    func discardImported() { counts.rowsImported = 0 }

    func checkRatio() throws {
        guard let limit = budget.maxRatio, counts.rowsRead > 0 else { return }
        if Double(counts.rowsRejected) / Double(counts.rowsRead) > limit {
            throw ImportStop.errorRatio(rejected: counts.rowsRejected, read: counts.rowsRead, limit: limit)
        }
    }

    func summary(status: JobStatus, table: String) -> String {
        "\(status.rawValue): \(counts.rowsRead) read, \(counts.rowsImported) imported, \(counts.rowsRejected) rejected into \(table)"
    }
}

extension JobStore {
    /// Copies every spooled rejection into the job's errors.
    public func jobErrorsInsertAll(jobID: Int64, spool: RejectionSpool) throws {
        try spool.forEachChunk { try jobErrorsInsert(jobID: jobID, rejections: $0) }
    }
}
