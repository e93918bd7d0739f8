import Foundation
import SluicePostgres

/// The PostgreSQL server the tests use: `SLUICE_TEST_POSTGRES_URL`
/// (scripts/test.sh starts one with scripts/postgres.sh). Under CI a missing
/// URL fails the test; elsewhere the PostgreSQL case is skipped, and says why.
public enum TestPostgres {
    public static var baseURL: PostgresURL? {
        get throws {
            guard let text = ProcessInfo.processInfo.environment["SLUICE_TEST_POSTGRES_URL"], !text.isEmpty else {
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    throw Missing()
                }
                print("skipping PostgreSQL: SLUICE_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server with scripts/postgres.sh)")
                return nil
            }
            return try PostgresURL(text)
        }
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String { "CI is set but SLUICE_TEST_POSTGRES_URL is not: CI must run the PostgreSQL tests (scripts/postgres.sh start)" }
    }

    /// A database of its own for one test, created on the test server.
    public struct Database: Sendable {
        public let url: PostgresURL
        let base: PostgresURL

        /// The URL with its password, as a user passes it to `--db`.
        public var text: String {
            "postgres://\(url.user):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)"
        }

        /// Rows of `query` as `psql -At` prints them (columns joined by `|`,
        /// one row per line), as `sqlite3` does for the SQLite tests.
        public func psql(_ query: String) throws -> String {
            try commandOutput(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", query, text])
        }

        /// Drops the database, closing whatever connections are left.
        public func drop() {
            guard let driver = try? PostgresDriver(url: base) else { return }
            try? driver.execute("DROP DATABASE IF EXISTS \"\(url.database)\" WITH (FORCE)")
            driver.close()
        }
    }

    /// A fresh, empty database; nil when PostgreSQL cannot run here (outside CI).
    public static func freshDatabase() throws -> Database? {
        guard let base = try baseURL else { return nil }
        var url = base
        url.database = "sluice_test_\(UUID().uuidString.prefix(8).lowercased())"
        let driver = try PostgresDriver(url: base)
        defer { driver.close() }
        try driver.execute("CREATE DATABASE \"\(url.database)\"")
        return Database(url: url, base: base)
    }
}
