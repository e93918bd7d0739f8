import Foundation
import Testing
import SluiceCore
import SluiceSQLite
import SluicePostgres
import SluiceTestSupport

/// The drivers every conformance test runs against.
enum DriverKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh, empty database of one kind, and its driver's stores; removed on deinit.
final class DriverUnderTest {
    let kind: DriverKind
    let driver: any SluiceDriver
    /// Rows of a query whose columns are all text (`CAST(x AS TEXT)` works in both).
    let rows: (String) throws -> [[String?]]
    /// Runs SQL (each driver's own dialect).
    let execute: (String) throws -> Void
    var jobs: any JobStore { driver.jobs }
    var chunks: any ChunkStore { driver.chunks }
    /// Opens one more driver (a connection of its own) on the same database.
    let another: () throws -> any SluiceDriver
    private let cleanup: () -> Void

    /// nil when `kind` cannot run here (PostgreSQL without a test server, outside CI).
    static func make(_ kind: DriverKind) throws -> DriverUnderTest? {
        switch kind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-driver-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("test.db").path
            let driver = try SQLiteDriver(path: path)
            return DriverUnderTest(kind: kind, driver: driver, rows: driver.query, execute: driver.execute, another: {
                try SQLiteDriver(path: path)
            }) { _ = driver; try? FileManager.default.removeItem(at: directory) }
        case .postgres:
            guard let database = try TestPostgres.freshDatabase() else { return nil }
            let driver = try PostgresDriver(url: database.url)
            let opened = OpenedDrivers()
            return DriverUnderTest(kind: kind, driver: driver, rows: driver.query, execute: driver.execute, another: {
                let more = try PostgresDriver(url: database.url)
                opened.add(more)
                return more
            }) {
                driver.close()
                opened.closeAll()
                database.drop()
            }
        }
    }

    private init(kind: DriverKind, driver: any SluiceDriver, rows: @escaping (String) throws -> [[String?]],
                 execute: @escaping (String) throws -> Void,
                 another: @escaping () throws -> any SluiceDriver, cleanup: @escaping () -> Void) {
        self.kind = kind
        self.driver = driver
        self.rows = rows
        self.execute = execute
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
