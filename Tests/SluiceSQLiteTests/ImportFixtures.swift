import Foundation
import SluiceCore
import SluiceSQLite

/// A scratch directory with a fresh SQLite database in it.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    lazy var databasePath = path("test.db")

    func driver(_ configuration: SQLiteDriver.Configuration = .init()) throws -> SQLiteDriver {
        try SQLiteDriver(path: databasePath, configuration: configuration)
    }
}

extension SQLiteDriver {
    /// Imports `path` with the request adjusted by `configure`.
    func importFile(_ path: String, cancellation: CancellationFlag = CancellationFlag(), rejects: String? = nil,
                    _ configure: (inout ImportRequest) -> Void = { _ in }) throws -> ImportOutcome {
        var request = ImportRequest(input: path, workers: 2)
        configure(&request)
        return try ImportEngine(driver: self).run(request, cancellation: cancellation, rejectsFile: rejects.map(RejectsFileWriter.init))
    }

    func rows(_ sql: String) throws -> [[String?]] { try query(sql) }

    func count(_ table: String) throws -> Int {
        Int(try query("SELECT count(*) FROM \"\(table)\"")[0][0] ?? "0") ?? -1
    }
}

/// The repository's own `profiles/plans.yaml`, the profile the issue names.
func plansProfile() throws -> Profile {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try ProfileLoader.load(path: root.appendingPathComponent("profiles/plans.yaml").path)
}

/// Row count and sums over every plans column, and the keys in key order:
/// two tables with the same checksum hold the same rows.
func tableChecksum(_ driver: SQLiteDriver, _ table: String) throws -> [[String?]] {
    try driver.rows("""
        SELECT count(*), sum(node_id), sum(start), total(invoice_amount), sum(length(note)), count(note),
               group_concat(node_id || ':' || start, ',')
        FROM (SELECT * FROM "\(table)" ORDER BY node_id, start)
        """)
}

/// The repository's `profiles/plans-by-node.yaml`: the plans aggregated per node.
func nodeUsageProfile() throws -> Profile {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try ProfileLoader.load(path: root.appendingPathComponent("profiles/plans-by-node.yaml").path)
}

/// What `profiles/plans-by-node.yaml` must give, computed by SQLite from a
/// plain import of the same file (`raw`), in node order.
func nodeUsageExpected(_ driver: SQLiteDriver, raw: String) throws -> [[String?]] {
    try driver.rows("""
        SELECT node_id, count(*), total(invoice_amount), min(start), max(stop)
        FROM "\(raw)" GROUP BY node_id ORDER BY node_id
        """)
}

/// The aggregated table in the same shape as `nodeUsageExpected`.
func nodeUsage(_ driver: SQLiteDriver, _ table: String) throws -> [[String?]] {
    try driver.rows("SELECT node_id, plans, invoiced, first_start, last_stop FROM \"\(table)\" ORDER BY node_id")
}
