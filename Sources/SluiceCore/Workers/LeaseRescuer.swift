import Foundation

/// The rescuer role: puts work whose worker died back in the queue.
/// A chunk whose lease expired is queued again with one more rescue (the
/// number `jobs show` prints); a job whose planner died is queued again.
public final class LeaseRescuer {
    public struct Configuration: Sendable {
        /// Seconds between two looks.
        public var interval: TimeInterval = 5
        public init() {}

        public func validate() throws {
            guard interval > 0 else { throw WorkerConfigurationError("the rescuer's interval must be more than 0 seconds") }
        }
    }

    /// What one look found.
    public struct Report: Sendable, Equatable {
        public var chunks: Int
        public var jobs: Int
    }

    private let driver: any SluiceDriver
    private let configuration: Configuration
    private let now: @Sendable () -> Date

    public init(driver: any SluiceDriver, configuration: Configuration = Configuration(),
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        try configuration.validate()
        self.driver = driver
        self.configuration = configuration
        self.now = now
    }

    public func runOnce() throws -> Report {
        Report(chunks: try driver.chunks.chunkRescueExpired(now: now()), jobs: try driver.jobs.jobRescueExpired(now: now()))
    }

    /// Looks every interval until cancelled; `report` hears of each rescue.
    public func run(cancellation: CancellationFlag, report: (Report) -> Void = { _ in }) throws {
        while !cancellation.isCancelled {
            let found = try runOnce()
            if found.chunks + found.jobs > 0 { report(found) }
            cancellation.wait(seconds: configuration.interval)
        }
    }
}
