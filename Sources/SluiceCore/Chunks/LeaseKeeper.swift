import Foundation
import Synchronization

/// Renews a lease from a thread of its own while the caller works, and
/// tells the caller's work to stop (through `stop`) when the lease is lost
/// or when `parent` (the worker shutting down) is cancelled.
final class LeaseKeeper: Sendable {
    /// The flag the work in hand watches.
    let stop = CancellationFlag()
    private let lost = Atomic<Bool>(false)
    private let finished = CancellationFlag()
    /// Wakes the thread at once when the work is done: a chunk's end (and
    /// with it the next chunk's start) must not wait out a sleep.
    private let wake = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    /// `renew` returns false when the lease is no longer this worker's.
    init(every interval: TimeInterval, parent: CancellationFlag, renew: @escaping @Sendable () throws -> Bool) {
        let thread = Thread { [self] in
            var next = Date().addingTimeInterval(interval)
            while !finished.isCancelled {
                if parent.isCancelled { stop.cancel() }
                if Date() >= next {
                    next = Date().addingTimeInterval(interval)
                    // A renewal that fails for a passing reason (busy) is tried at the next beat.
                    if (try? renew()) == false {
                        lost.store(true, ordering: .releasing)
                        stop.cancel()
                    }
                }
                // Looks at `parent` every 50 ms at most.
                _ = wake.wait(timeout: .now() + min(0.05, interval))
            }
            exited.signal()
        }
        thread.name = "sluice-lease"
        thread.start()
    }

    /// True when a renewal found the lease gone.
    var leaseLost: Bool { lost.load(ordering: .acquiring) }

    /// Stops renewing; returns once the thread has exited.
    func end() {
        finished.cancel()
        wake.signal()
        exited.wait()
    }
}
