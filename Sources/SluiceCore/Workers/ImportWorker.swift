import Foundation

/// The worker role. Every background job runs as chunks, so a worker does
/// one of two things at a time:
/// - runs a chunk of a running job (any worker may; the last chunk to
///   finish publishes the job), or
/// - plans a queued job: claims it under a planning lease, sniffs its
///   stored input, checks the plan, and cuts the input into chunks.
///
/// Chunks come first, so that started jobs finish before new ones start.
/// `runOnce` does one such step (tests call it directly); `run` loops until
/// stopped. On a stop, the chunk in hand goes back to the queue.
public final class ImportWorker {
    public struct Configuration: Sendable {
        /// Seconds between looks at an empty queue (a database with a
        /// `WorkSignal` wakes the worker sooner).
        public var pollInterval: TimeInterval = 1
        /// Parse/validate threads per chunk.
        public var threads: Int = 2
        /// Queued jobs to take on before taking no more; nil for no limit.
        /// The worker still helps finish the chunks of running jobs.
        public var limit: Int?
        /// Stop when nothing is claimable instead of waiting.
        public var once = false
        public var timing = LeaseTiming()
        /// Tries of a chunk that fails for a passing reason (a busy
        /// database, I/O) before its job fails.
        public var maxAttempts = 5
        /// Who this worker is in lease columns: host, process and a tag.
        public var owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
        /// Tests only: called after each batch of a chunk; a throw fails the chunk.
        public var faults: ChunkFaultInjection?

        public init() {}

        public func validate() throws {
            guard pollInterval > 0 else { throw WorkerConfigurationError("the poll interval must be more than 0 seconds") }
            guard threads >= 1 else { throw WorkerConfigurationError("a worker needs at least 1 thread") }
            if let limit, limit < 1 { throw WorkerConfigurationError("the job limit must be at least 1") }
            guard maxAttempts >= 1 else { throw WorkerConfigurationError("--max-attempts must be at least 1") }
            try timing.validate()
        }
    }

    private let driver: any SluiceDriver
    private let storage: JobStorage
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private var jobsTaken = 0
    /// The last job whose chunks this worker ran, so its plan is built once.
    private var context: ChunkJob?

    /// `storage` is the local directory (`--storage`); jobs whose input is
    /// in the database's own store are read from there (`JobStorage`).
    public init(driver: any SluiceDriver, storage: any BlobStore, configuration: Configuration,
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        try configuration.validate()
        self.driver = driver
        self.storage = JobStorage(local: storage, database: try driver.blobStore())
        self.configuration = configuration
        self.now = now
    }

    private var owner: String { configuration.owner }

    /// Runs one claimable chunk, or else plans one queued job; nil when
    /// there is neither.
    public func runOnce(cancellation: CancellationFlag = CancellationFlag()) throws -> WorkerEvent? {
        if let chunk = try driver.chunks.chunkClaim(ChunkClaimParams(owner: owner, now: now(), lease: configuration.timing.lease)) {
            return try run(chunk, cancellation: cancellation)
        }
        guard jobsTaken < configuration.limit ?? Int.max,
              let job = try driver.jobs.jobClaimQueued(owner: owner, now: now(), lease: configuration.timing.lease) else { return nil }
        jobsTaken += 1
        return JobPlanning(driver: driver, storage: storage, configuration: configuration, now: now).plan(job, cancellation: cancellation)
    }

    /// Works until `cancellation` is set (or, with `once`, until nothing is
    /// claimable); `report` hears of every step.
    public func run(cancellation: CancellationFlag, report: (WorkerEvent) -> Void = { _ in }) throws {
        while !cancellation.isCancelled {
            guard let event = try runOnce(cancellation: cancellation) else {
                if configuration.once { return }
                if let signal = driver.workSignal {
                    signal.waitForWork(seconds: configuration.pollInterval, cancellation: cancellation)
                } else {
                    cancellation.wait(seconds: configuration.pollInterval)
                }
                continue
            }
            report(event)
            if case let .chunkRetrying(_, _, _, attempt) = event { cancellation.wait(seconds: Backoff.delay(attempt: attempt)) }
        }
    }

    private func run(_ chunk: Chunk, cancellation: CancellationFlag) throws -> WorkerEvent {
        let job: ChunkJob
        do {
            job = try chunkJob(chunk.jobID)
        } catch {
            return try failed(chunk, message: "\(error)", transient: error.isTransient)
        }
        let runner = ChunkRunner(driver: driver, timing: configuration.timing, now: now, faults: configuration.faults)
        switch runner.run(chunk, of: job, owner: owner, cancellation: cancellation) {
        case let .succeeded(counts, published, _):
            guard published else { return .chunkDone(jobID: chunk.jobID, chunk: chunk.index, counts: counts) }
            let finished = try driver.jobs.jobGet(id: chunk.jobID)
            return .published(jobID: chunk.jobID, summary: finished?.summary ?? "succeeded")
        case .released:
            return .chunkReleased(jobID: chunk.jobID, chunk: chunk.index)
        case .stopped(let stopped):
            return .chunkStopped(jobID: chunk.jobID, chunk: chunk.index, reason: "\(stopped)")
        case let .failed(message, transient):
            return try failed(chunk, message: message, transient: transient)
        }
    }

    /// A chunk that failed goes back to the queue when its error may pass
    /// (a busy database, a damaged read of stored input) and it has tries
    /// left; otherwise its job fails.
    private func failed(_ chunk: Chunk, message: String, transient: Bool) throws -> WorkerEvent {
        if transient && chunk.attempts < configuration.maxAttempts,
           (try? driver.chunks.chunkRelease(id: chunk.id, owner: owner)) == true {
            return .chunkRetrying(jobID: chunk.jobID, chunk: chunk.index, reason: message, attempt: chunk.attempts)
        }
        try driver.chunkFailJob(chunk: chunk, owner: owner, error: message, now: now())
        return .jobFailed(jobID: chunk.jobID, reason: "chunk \(chunk.index + 1) failed: \(message)")
    }

    private func chunkJob(_ id: Int64) throws -> ChunkJob {
        if let context, context.jobID == id { return context }
        guard let job = try driver.jobs.jobGet(id: id) else { throw WorkerConfigurationError("job \(id) is gone") }
        let loaded = try ChunkJob.load(job, storedInput: try storage.blob(job.storageKey ?? ""), threads: configuration.threads)
        context = loaded
        return loaded
    }
}

/// What a worker did in one step, for its log.
public enum WorkerEvent: Sendable, Equatable {
    case planned(jobID: Int64, chunks: Int)
    case chunkDone(jobID: Int64, chunk: Int, counts: ImportCounts)
    /// This worker's chunk was the job's last; the job is published.
    case published(jobID: Int64, summary: String)
    /// The worker is stopping; the chunk went back to the queue.
    case chunkReleased(jobID: Int64, chunk: Int)
    case jobReleased(jobID: Int64)
    case chunkStopped(jobID: Int64, chunk: Int, reason: String)
    /// A passing failure; the chunk is queued again and the worker backs off.
    case chunkRetrying(jobID: Int64, chunk: Int, reason: String, attempt: Int)
    case jobFailed(jobID: Int64, reason: String)
}

/// Exponential backoff with jitter for chunks that failed for a passing reason.
enum Backoff {
    /// 0.5 s, 1 s, 2 s, … up to 30 s, each times a random 0.5–1.5.
    static func delay(attempt: Int) -> TimeInterval {
        min(30, 0.5 * pow(2, Double(max(0, attempt - 1)))) * Double.random(in: 0.5...1.5)
    }
}
