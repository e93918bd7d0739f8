import Foundation

/// The cleaner role: deletes finished jobs older than the retention period
/// with their errors, chunks and stored files, and drops the stages no job
/// needs any more (a failed job keeps its stage for a retry until it is
/// deleted).
public final class JobCleaner {
    public struct Configuration: Sendable {
        /// Age of finished jobs to delete, by when they finished; nil keeps them.
        public var retention: TimeInterval?
        /// Seconds between two rounds.
        public var interval: TimeInterval = 60
        public init() {}

        public func validate() throws {
            if let retention, retention < 0 { throw WorkerConfigurationError("the retention period cannot be negative") }
            guard interval > 0 else { throw WorkerConfigurationError("the cleaner's interval must be more than 0 seconds") }
        }
    }

    /// What one round removed.
    public struct Report: Sendable, Equatable {
        public var jobs: [Int64] = []
        public var storedFiles = 0
        public var stages: [Int64] = []
    }

    private let driver: any SluiceDriver
    private let stores: [any BlobStore]
    private let configuration: Configuration
    private let now: @Sendable () -> Date

    /// `stores`: every store a job's files may be in (the local directory, the database's).
    public init(driver: any SluiceDriver, stores: [any BlobStore], configuration: Configuration,
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        try configuration.validate()
        self.driver = driver
        self.stores = stores
        self.configuration = configuration
        self.now = now
    }

    public func runOnce() throws -> Report {
        var report = Report()
        if let retention = configuration.retention {
            report.jobs = try driver.jobs.jobDeleteFinished(before: now().addingTimeInterval(-retention))
            for id in report.jobs {
                for store in stores {
                    for key in try store.list(prefix: "job-\(id)/") {
                        try store.delete(key)
                        report.storedFiles += 1
                    }
                }
            }
        }
        report.stages = try driver.dropUnneededStages()
        return report
    }

    public func run(cancellation: CancellationFlag, report: (Report) -> Void = { _ in }) throws {
        while !cancellation.isCancelled {
            let round = try runOnce()
            if !round.jobs.isEmpty || !round.stages.isEmpty { report(round) }
            cancellation.wait(seconds: configuration.interval)
        }
    }
}
