import Foundation
import ServiceLifecycle
import SluiceCore

/// One of Sluice's background roles (worker, rescuer, cleaner) as a
/// swift-service-lifecycle `Service`. The roles are synchronous loops that
/// watch a `CancellationFlag`; this runs one on a thread of its own and
/// sets the flag on graceful shutdown (SIGTERM, SIGINT), then waits for
/// the loop to hand back its work and return.
struct BlockingService: Service {
    let name: String
    let body: @Sendable (CancellationFlag) throws -> Void

    func run() async throws {
        let flag = CancellationFlag()
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread {
                    do {
                        try body(flag)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "sluice-\(name)"
                thread.start()
            }
        } onGracefulShutdown: {
            flag.cancel()
        }
    }
}
