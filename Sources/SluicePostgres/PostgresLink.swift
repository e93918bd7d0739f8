import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One PostgreSQL connection, used synchronously: Sluice's engine and
/// workers run on their own threads, so each call waits for its result
/// (never on one of NIO's event loop threads). Calls from several threads
/// take turns; a transaction holds the connection for its whole body.
final class PostgresLink: @unchecked Sendable {  // `connection` is used under `lock` only
    let url: PostgresURL
    private let connection: PostgresConnection
    private let lock = NSRecursiveLock()
    private let logger: Logger

    private init(url: PostgresURL, connection: PostgresConnection, logger: Logger) {
        self.url = url
        self.connection = connection
        self.logger = logger
    }

    static func connect(_ url: PostgresURL, logger: Logger = Logger(label: "sluice.postgres")) throws -> PostgresLink {
        let configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user,
                                                             password: url.password, database: url.database, tls: .disable)
        do {
            let connection = try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(),
                                                            configuration: configuration, id: 1, logger: logger).wait()
            return PostgresLink(url: url, connection: connection, logger: logger)
        } catch {
            throw PostgresDriverError(url: url, error)
        }
    }

    /// Runs one statement; returns its rows and how many rows it changed.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try lock.withLock {
            do {
                return try connection.query(query, logger: logger).wait()
            } catch {
                throw PostgresDriverError(url: url, error)
            }
        }
    }

    /// Runs `body` between BEGIN and COMMIT; any error rolls back.
    func transaction<T>(_ body: (PostgresLink) throws -> T) throws -> T {
        try lock.withLock {
            try query("BEGIN")
            do {
                let result = try body(self)
                try query("COMMIT")
                return result
            } catch {
                _ = try? query("ROLLBACK")
                throw error
            }
        }
    }

    func close() {
        lock.withLock { _ = try? connection.close().wait() }
    }
}

extension PostgresQueryResult {
    /// Rows an INSERT, UPDATE or DELETE changed.
    var changed: Int { metadata.rows ?? 0 }
}
