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
    private var closed = false

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
            // Timestamps go in and come out in UTC, as the mapper writes them.
            _ = try connection.query("SET TIME ZONE 'UTC'", logger: logger).wait()
            // Target tables go where the user's tables are, never into the
            // control schema, which a role named `sluice` would otherwise
            // find first ("$user" leads the default search path).
            _ = try connection.query("""
                SELECT set_config('search_path', COALESCE(NULLIF(array_to_string(ARRAY(
                    SELECT quote_ident(name) FROM unnest(current_schemas(false)) AS name WHERE name <> 'sluice'), ','), ''), 'public'), false)
                """, logger: logger).wait()
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

    /// Runs `body` with the connection to itself, outside any transaction
    /// (each statement commits on its own).
    func exclusively<T>(_ body: (PostgresLink) throws -> T) throws -> T {
        try lock.withLock { try body(self) }
    }

    /// Sends a statement without waiting for its result, so that the caller
    /// can prepare the next one meanwhile; `finish` waits for it. Only
    /// inside `transaction` or `exclusively`, whose lock keeps other threads
    /// off the connection until then.
    func send(_ query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        connection.query(query, logger: logger)
    }

    /// Waits for a statement `send` sent.
    @discardableResult
    func finish(_ sent: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        do {
            return try sent.wait()
        } catch {
            throw PostgresDriverError(url: url, error)
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

    /// `COPY table (columns) FROM STDIN`, `data` in the text format.
    /// postgres-nio quotes the names without escaping them, so a name with a
    /// double quote is refused here rather than spliced into SQL.
    func copy(into table: PostgresTableName, columns: [String], data: ByteBuffer) throws {
        try Self.checkNames(table.parts + columns, url: url)
        try lock.withLock {
            let outcome = CopyOutcome()
            let finished = DispatchSemaphore(value: 0)
            let connection = self.connection, logger = self.logger
            Task(executorPreference: CopyExecutor.shared) {
                do {
                    try await connection.copyFrom(table: table.copyName, columns: columns, logger: logger) { writer in
                        try await writer.write(data)
                    }
                } catch {
                    outcome.error = error
                }
                finished.signal()
            }
            finished.wait()
            if let error = outcome.error { throw PostgresDriverError(url: url, error) }
        }
    }

    /// Starts a COPY fed from `stream` (see `PostgresCopyStream`), in the
    /// text format or, with `binary`, the binary one; holds the link until
    /// `endStreaming`.
    func copyStreaming(into table: PostgresTableName, columns: [String], binary: Bool = false, stream: AsyncStream<ByteBuffer>,
                       outcome: @escaping @Sendable (any Error) -> Void, finished: DispatchSemaphore) throws {
        try Self.checkNames(table.parts + columns, url: url)
        // postgres-nio writes `COPY "<table>"(<columns>) FROM STDIN WITH (FORMAT text)` and knows no
        // other format. It puts the table's name in as given, so for the binary format the name
        // carries the columns and the options, and a comment ends the statement before its own.
        let (name, listed) = binary
            ? (table.copyName + "\" (" + columns.map(PostgresSchema.quote).joined(separator: ", ") + ") FROM STDIN WITH (FORMAT binary) --", [String]())
            : (table.copyName, columns)
        lock.lock()
        let connection = self.connection, logger = self.logger
        Task(executorPreference: CopyExecutor.shared) {
            do {
                try await connection.copyFrom(table: name, columns: listed, logger: logger) { writer in
                    for await data in stream { try await writer.write(data) }
                }
            } catch {
                outcome(error)
            }
            finished.signal()
        }
    }

    func endStreaming() {
        lock.unlock()
    }

    /// Calls `heard` for every notification on `channel` (from NIO's event
    /// loop: it must not block), once the server confirmed the LISTEN.
    func listen(_ channel: String, heard: @escaping @Sendable () -> Void) throws {
        connection.addListener(channel: channel) { _, _ in heard() }
        try query(PostgresQuery(unsafeSQL: "LISTEN \(PostgresSchema.quote(channel))"))
    }

    /// postgres-nio quotes COPY's names without escaping them.
    private static func checkNames(_ names: [String], url: PostgresURL) throws {
        if let bad = names.first(where: { $0.contains("\"") }) {
            throw PostgresDriverError(url: url, message: "cannot load '\(bad)': a PostgreSQL name with a double quote cannot go through COPY; rename it")
        }
    }

    /// Closes the connection; a link closes itself when it goes away.
    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            _ = try? connection.close().wait()
        }
    }

    deinit { close() }
}

/// How a COPY ended, handed from its task to the waiting thread (the
/// semaphore orders the write before the read).
private final class CopyOutcome: @unchecked Sendable {
    var error: (any Error)?
}

extension PostgresQueryResult {
    /// Rows an INSERT, UPDATE or DELETE changed.
    var changed: Int { metadata.rows ?? 0 }
}
