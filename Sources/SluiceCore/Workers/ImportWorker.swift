import Foundation

/// The worker role: claims queued background jobs, oldest first, and runs
/// each through `ImportEngine`, the same engine as a foreground import.
///
/// `runOnce` does one job (tests call it directly); `run` loops until the
/// queue is empty (`once`), a limit is reached, or the cancellation flag is
/// set, which also cancels the job in hand.
public final class ImportWorker {
    public struct Configuration: Sendable {
        /// Seconds between looks at an empty queue.
        public var pollInterval: TimeInterval = 1
        /// Parse/validate threads per job.
        public var threads: Int = 2
        /// Jobs to run before stopping; nil for no limit.
        public var limit: Int?
        /// Stop when the queue is empty instead of waiting.
        public var once = false

        public init() {}

        public func validate() throws {
            guard pollInterval > 0 else { throw WorkerConfigurationError("the poll interval must be more than 0 seconds") }
            guard threads >= 1 else { throw WorkerConfigurationError("a worker needs at least 1 thread") }
            if let limit, limit < 1 { throw WorkerConfigurationError("the job limit must be at least 1") }
        }
    }

    /// What became of one claimed job, for the worker's log.
    public enum Result: Sendable {
        case finished(jobID: Int64, outcome: ImportOutcome, inputName: String)
        case failedToStart(jobID: Int64, reason: String)
    }

    private let driver: any SluiceDriver
    private let storage: LocalBlobStore
    private let configuration: Configuration
    private let now: @Sendable () -> Date

    public init(driver: any SluiceDriver, storage: LocalBlobStore, configuration: Configuration,
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        try configuration.validate()
        self.driver = driver
        self.storage = storage
        self.configuration = configuration
        self.now = now
    }

    /// Claims and runs the oldest queued job; nil when none is queued.
    public func runOnce(cancellation: CancellationFlag = CancellationFlag()) throws -> Result? {
        guard let job = try driver.jobs.jobClaimQueued(now: now()) else { return nil }
        do {
            let stored = try StoredImportRequest.from(json: job.request ?? "")
            let input = try storage.localPath(of: job.storageKey ?? "")
            let request = try stored.request(storedInput: input, workers: configuration.threads)
            let outcome = try ImportEngine(driver: driver, now: now).run(request, claimed: job, cancellation: cancellation)
            return .finished(jobID: job.id, outcome: outcome, inputName: stored.inputName)
        } catch {
            // The engine has marked the job failed if it got that far; this guarded update covers the rest.
            _ = try? driver.jobs.jobFinish(JobFinishParams(id: job.id, status: .failed, counts: ImportCounts(),
                                                           summary: "failed: \(error)", error: "\(error)", now: now()))
            return .failedToStart(jobID: job.id, reason: "\(error)")
        }
    }

    /// Runs jobs until stopped; `report` hears about each one.
    public func run(cancellation: CancellationFlag, report: (Result) -> Void = { _ in }) throws {
        var done = 0
        while !cancellation.isCancelled && done < (configuration.limit ?? Int.max) {
            guard let result = try runOnce(cancellation: cancellation) else {
                if configuration.once { return }
                waitForWork(cancellation)
                continue
            }
            report(result)
            done += 1
        }
    }

    /// Sleeps one poll interval, waking early when cancelled.
    private func waitForWork(_ cancellation: CancellationFlag) {
        let deadline = Date().addingTimeInterval(configuration.pollInterval)
        while !cancellation.isCancelled && Date() < deadline { Thread.sleep(forTimeInterval: min(0.05, configuration.pollInterval)) }
    }
}

/// A worker configured with values it cannot run with.
public struct WorkerConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
