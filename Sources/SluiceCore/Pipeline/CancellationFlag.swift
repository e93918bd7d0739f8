import Foundation
import Synchronization

/// Set once by whoever wants an import to stop (a signal handler, a test);
/// read by the pipeline between batches.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .releasing) }
    public var isCancelled: Bool { flag.load(ordering: .acquiring) }
}

extension CancellationFlag {
    /// Sleeps up to `seconds`, waking within 50 ms once cancelled.
    public func wait(seconds: Double) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while !isCancelled && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: min(0.05, max(0, seconds)))
        }
    }
}
