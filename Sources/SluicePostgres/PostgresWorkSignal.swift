import Dispatch
import Foundation
import SluiceCore

/// Wakes an idle worker through LISTEN/NOTIFY, on a connection of its own
/// (a listening connection hears notifications only between its queries).
///
/// Every change that makes work claimable sends `NOTIFY sluice_work` in its
/// own transaction (`PostgresWorkSignal.notify`), so listeners hear of it
/// once it is committed and visible to their claim.
final class PostgresWorkSignal: WorkSignal, @unchecked Sendable {  // `link` is used only in init; the semaphore is thread-safe
    static let channel = "sluice_work"

    private let link: PostgresLink
    private let arrived = DispatchSemaphore(value: 0)

    init(url: PostgresURL) throws {
        link = try PostgresLink.connect(url)
        try link.listen(Self.channel) { [arrived] in arrived.signal() }
    }

    func waitForWork(seconds: TimeInterval, cancellation: CancellationFlag) {
        let deadline = DispatchTime.now() + seconds
        while !cancellation.isCancelled && DispatchTime.now() < deadline {
            // Short slices, so that a cancelled worker stops within 50 ms.
            if arrived.wait(timeout: min(deadline, .now() + 0.05)) == .success {
                // Notifications heard while the worker was busy are all answered by its next look.
                while arrived.wait(timeout: .now()) == .success {}
                return
            }
        }
    }

    /// Tells listening workers that work arrived, inside the caller's transaction.
    static func notify(in link: PostgresLink) throws {
        try link.query("SELECT pg_notify(\(channel), '')")
    }

    /// Runs `change` in one transaction that also notifies listening
    /// workers when `made(result)` says the change made work claimable.
    static func announcing<T>(in link: PostgresLink, when made: (T) -> Bool, _ change: (PostgresLink) throws -> T) throws -> T {
        try link.transaction { link in
            let result = try change(link)
            if made(result) { try notify(in: link) }
            return result
        }
    }
}
