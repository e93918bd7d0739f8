import Foundation
import PostgresNIO
import SluiceCore

/// A PostgreSQL failure as the user reads it: where (never the password),
/// the server's own message, and whether trying again may help.
public struct PostgresDriverError: Error, Sendable, CustomStringConvertible, TransientError {
    public var target: String
    public var message: String
    /// The server's SQLSTATE, when the server answered.
    public var sqlState: String?
    public var isTransient: Bool

    public init(url: PostgresURL, message: String, sqlState: String? = nil, transient: Bool = false) {
        self.target = url.redacted
        self.message = message
        self.sqlState = sqlState
        self.isTransient = transient
    }

    init(url: PostgresURL, _ error: any Error) {
        if let error = error as? PostgresDriverError {
            self = error
            return
        }
        guard let error = error as? PSQLError else {
            self.init(url: url, message: String(describing: error), transient: true)
            return
        }
        if let info = error.serverInfo, let message = info[.message] {
            let state = info[.sqlState]
            self.init(url: url, message: message, sqlState: state, transient: state.map(Self.isTransient) ?? false)
        } else {
            // No answer from the server: it is down, unreachable or refused us.
            self.init(url: url, message: "cannot reach the server (\(error.code))", transient: true)
        }
    }

    /// Serialization failures, deadlocks, lock timeouts, too many connections, a server shutting down.
    static func isTransient(_ sqlState: String) -> Bool {
        ["40001", "40P01", "55P03", "53300", "57P01", "57P02", "57P03"].contains(sqlState) || sqlState.hasPrefix("08")
    }

    public var description: String { "\(target): \(message)" }
}
