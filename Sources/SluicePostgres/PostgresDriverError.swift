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
    /// The server's detail, such as `Key (id)=(5) already exists.`
    public var detail: String?
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
            detail = info[.detail]
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

    /// The server refused the rows themselves: a constraint (SQLSTATE class
    /// 23) or a value the column cannot hold (class 22), not the connection
    /// or the statement.
    var refusesRows: Bool {
        guard let sqlState else { return false }
        return sqlState.hasPrefix("23") || sqlState.hasPrefix("22")
    }

    /// What a refused row's rejection says: the server's message and detail.
    var rowError: RowError {
        RowError(kind: sqlState?.hasPrefix("23") == true ? .constraint : .cast,
                 message: detail.map { "\(message) (\($0))" } ?? message)
    }
}
