import Synchronization

/// Set once by whoever wants an import to stop (a signal handler, a test);
/// read by the pipeline between batches.
public final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func cancel() { flag.store(true, ordering: .releasing) }
    public var isCancelled: Bool { flag.load(ordering: .acquiring) }
}
