import Dispatch
import Foundation

/// Turns Ctrl+C (SIGINT) and SIGTERM into a call to `handler`, so an import
/// can roll back and record itself as cancelled instead of dying mid-write.
/// A second signal ends the process at once.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "sluice.signals")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let count = SignalCount()
            source.setEventHandler {
                if count.increment() > 1 { exit(ExitStatus.cancelled) }
                handler()
            }
            source.resume()
            return source
        }
    }

    func release() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// Counts signals; touched only on the trap's serial queue.
private final class SignalCount: @unchecked Sendable {
    private var value = 0
    func increment() -> Int { value += 1; return value }
}
