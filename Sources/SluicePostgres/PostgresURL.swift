import Foundation

/// Where a PostgreSQL database is: `postgres://user:password@host:port/dbname`
/// (or `postgresql://`), as `--db` and `SLUICE_DATABASE` take it.
public struct PostgresURL: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    /// True when `text` names a PostgreSQL database rather than an SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(user: String, password: String?, host: String, port: Int, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    public init(_ text: String) throws(PostgresURLError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw PostgresURLError(text: text, problem: "expected postgres://user:password@host:port/dbname")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError(text: text, problem: "the URL names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresURLError(text: text, problem: "the URL names no user")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError(text: text, problem: "the URL names no database (…/dbname)")
        }
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.host = host
        self.port = components.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
    }

    /// The URL for messages: never the password.
    public var redacted: String {
        "postgres://\(user)@\(host):\(port)/\(database)"
    }
}

public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var problem: String

    public var description: String {
        // The text may hold a password: show only its scheme and what follows the '@'.
        let shown = text.split(separator: "@", maxSplits: 1).last.map { "…@\($0)" } ?? text
        return "\(shown): not a PostgreSQL URL: \(problem)"
    }
}
