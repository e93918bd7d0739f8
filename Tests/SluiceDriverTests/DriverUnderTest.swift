import Foundation
import Testing
import SluiceCore
import SluiceSQLite
@testable import SluicePostgres

/// The drivers every conformance test runs against.
enum DriverKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh, empty database of one kind, and its driver's stores; removed on deinit.
final class DriverUnderTest {
    let jobs: any JobStore
    let chunks: any ChunkStore
    /// Opens one more driver (a connection of its own) on the same database.
    let another: () throws -> (jobs: any JobStore, chunks: any ChunkStore)
    private let cleanup: () -> Void

    /// nil when `kind` cannot run here (PostgreSQL without a test server, outside CI).
    static func make(_ kind: DriverKind) throws -> DriverUnderTest? {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-driver-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("test.db").path
            let driver = try SQLiteDriver(path: path)
            return DriverUnderTest(jobs: driver.jobs, chunks: driver.chunks, another: {
                let more = try SQLiteDriver(path: path)
                return (more.jobs, more.chunks)
            }) { _ = driver; try? FileManager.default.removeItem(at: directory) }
        case .postgres:
            guard let database = try TestPostgres.freshDatabase() else { return nil }
            let driver = try PostgresDriver(url: database.url)
            let opened = OpenedDrivers()
            return DriverUnderTest(jobs: driver.jobs, chunks: driver.chunks, another: {
                let more = try PostgresDriver(url: database.url)
                opened.add(more)
                return (more.jobs, more.chunks)
            }) {
                driver.close()
                opened.closeAll()
                database.drop()
            }
        }
    }

    private init(jobs: any JobStore, chunks: any ChunkStore, another: @escaping () throws -> (jobs: any JobStore, chunks: any ChunkStore),
                 cleanup: @escaping () -> Void) {
        self.jobs = jobs
        self.chunks = chunks
        self.another = another
        self.cleanup = cleanup
    }

    deinit { cleanup() }
}

/// The extra PostgreSQL drivers a test opened, closed with its database.
final class OpenedDrivers: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var drivers: [PostgresDriver] = []
    func add(_ driver: PostgresDriver) { lock.withLock { drivers.append(driver) } }
    func closeAll() { lock.withLock { drivers.forEach { $0.close() } } }
}

/// The test server: `SLUICE_TEST_POSTGRES_URL` (scripts/test.sh starts one
/// with scripts/postgres.sh). Under CI a missing URL fails the test; elsewhere
/// the PostgreSQL case is skipped with the reason printed.
enum TestPostgres {
    static var baseURL: PostgresURL? {
        get throws {
            guard let text = ProcessInfo.processInfo.environment["SLUICE_TEST_POSTGRES_URL"], !text.isEmpty else {
                if ProcessInfo.processInfo.environment["CI"] != nil {
                    throw TestPostgresMissing()
                }
                print("skipping PostgreSQL: SLUICE_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server with scripts/postgres.sh)")
                return nil
            }
            return try PostgresURL(text)
        }
    }

    struct TestPostgresMissing: Error, CustomStringConvertible {
        var description: String { "CI is set but SLUICE_TEST_POSTGRES_URL is not: CI must run the PostgreSQL tests (scripts/postgres.sh start)" }
    }

    /// A database of its own for one test, created on the test server.
    struct Database {
        let url: PostgresURL
        let base: PostgresURL

        func drop() {
            guard let link = try? PostgresLink.connect(base) else { return }
            _ = try? link.query("DROP DATABASE IF EXISTS \(unescaped: PostgresSchema.quote(url.database)) WITH (FORCE)")
            link.close()
        }
    }

    static func freshDatabase() throws -> Database? {
        guard let base = try baseURL else { return nil }
        var url = base
        url.database = "sluice_test_\(UUID().uuidString.prefix(8).lowercased())"
        let link = try PostgresLink.connect(base)
        defer { link.close() }
        try link.query("CREATE DATABASE \(unescaped: PostgresSchema.quote(url.database))")
        return Database(url: url, base: base)
    }
}
