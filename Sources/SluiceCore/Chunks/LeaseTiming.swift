import Foundation

/// How long a chunk's lease lasts and how often its worker renews it. A
/// worker that dies stops renewing; once the lease runs out any worker may
/// take the chunk over.
public struct LeaseTiming: Sendable, Equatable {
    public var lease: TimeInterval
    public var heartbeat: TimeInterval

    public init(lease: TimeInterval = 30, heartbeat: TimeInterval = 5) {
        self.lease = lease
        self.heartbeat = heartbeat
    }

    public func validate() throws {
        guard heartbeat > 0 else { throw WorkerConfigurationError("the heartbeat interval must be more than 0 seconds") }
        guard lease > heartbeat else {
            throw WorkerConfigurationError("the lease (\(lease) s) must be longer than the heartbeat interval (\(heartbeat) s)")
        }
    }
}

/// A worker configured with values it cannot run with.
public struct WorkerConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An error that may pass if the work is tried again later (a busy
/// database, an I/O hiccup), as opposed to one that will not (bad data, a
/// profile error, the error budget).
public protocol TransientError: Error {
    var isTransient: Bool { get }
}

extension Error {
    var isTransient: Bool { (self as? any TransientError)?.isTransient ?? false }
}
