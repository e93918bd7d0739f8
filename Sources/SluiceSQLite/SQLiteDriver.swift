import Foundation
import GRDB
import SluiceCore

/// Sluice on one SQLite file: the target tables and the control tables
/// (`sluice_jobs`, `sluice_job_errors`) live side by side.
///
/// One connection does all the writing, because SQLite has one writer at a
/// time: jobs, then the import's single transaction, then the job's end.
/// The file is in WAL mode, so `sluice jobs list` in another process can
/// read while an import writes.
public final class SQLiteDriver: SluiceDriver, Sendable {
    public let path: String
    let queue: DatabaseQueue
    public let jobs: any JobStore
    public let chunks: any ChunkStore
    public let locks: any LockService

    public struct Configuration: Sendable {
        /// How long to wait for another process's write lock before failing.
        public var busyTimeout: TimeInterval = 5
        /// SQLite page cache while importing, in KiB.
        public var cacheKiB = 8192
        /// Page size for databases Sluice creates. 64 KiB pages make bulk
        /// loads markedly faster than SQLite's 4 KiB default (fewer, fuller
        /// B-tree pages; see docs/BENCHMARKS.md); existing files keep theirs.
        public var pageSize = 65536
        /// A cap on the file's size in pages, as a full disk would impose;
        /// nil for none. Tests use it to prove a full disk loses nothing.
        public var maxPageCount: Int?
        public init() {}
    }

    /// Opens (or creates) the database and brings its control tables up to date.
    public init(path: String, configuration: Configuration = Configuration()) throws(SQLiteDriverError) {
        self.path = path
        var config = GRDB.Configuration()
        config.busyMode = SQLiteBusyWait.mode(timeout: configuration.busyTimeout)
        config.journalMode = .wal
        config.label = "sluice"
        // An import's transaction spans many calls (begin, each batch, commit);
        // the session alone opens and closes it, and rolls it back on any error.
        config.allowsUnsafeTransactions = true
        let cacheKiB = configuration.cacheKiB
        let maxPageCount = configuration.maxPageCount
        let pageSize = configuration.pageSize
        config.prepareDatabase { db in
            // Only a database with no tables yet takes a new page size.
            try db.execute(sql: "PRAGMA page_size = \(pageSize)")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
            if let maxPageCount { try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        do {
            if path != ":memory:" { try Self.checkParentDirectory(of: path) }
            queue = path == ":memory:" ? try DatabaseQueue(configuration: config) : try DatabaseQueue(path: path, configuration: config)
            try SQLiteMigrations.migrator.migrate(queue)
        } catch let error as SQLiteDriverError {
            throw error
        } catch {
            throw SQLiteDriverError(path: path, error)
        }
        jobs = SQLiteJobStore(queue: queue, path: path)
        chunks = SQLiteChunkStore(queue: queue, path: path)
        locks = SQLiteLockService(queue: queue, path: path)
    }

    private static func checkParentDirectory(of path: String) throws(SQLiteDriverError) {
        let parent = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !parent.isEmpty && !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw SQLiteDriverError(path: path, message: "cannot create the database: the directory \(parent) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue {
            throw SQLiteDriverError(path: path, message: "is a directory, not a database file")
        }
    }

    public var targetDescription: String { path }

    public func existingColumns(of table: String) throws -> [ExistingColumn]? {
        do {
            return try queue.read { db in
                guard try db.tableExists(table) else { return nil }
                return try db.columns(in: table).map { info in
                    ExistingColumn(name: info.name, type: SQLiteTypes.columnType(declared: info.type), notNull: info.isNotNull)
                }
            }
        } catch {
            throw SQLiteDriverError(path: path, error)
        }
    }

    public func makeImportSession() throws -> any ImportSession {
        SQLiteImportSession(queue: queue, path: path)
    }

    public func makeChunkSession(chunk: Chunk, owner: String) throws -> any ChunkSession {
        SQLiteChunkSession(queue: queue, path: path, chunk: chunk, owner: owner)
    }

    private func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.inImmediateTransaction(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    public func chunkFailJob(chunk: Chunk, owner: String, error: String, now: Date) throws {
        try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_chunks SET status = 'failed', error = ?, lease_expires_ms = NULL, finished_at = ?
                WHERE id = ? AND lease_owner = ? AND status = 'running'
                """, arguments: [error, now, chunk.id, owner])
            try db.execute(sql: """
                UPDATE sluice_chunks SET status = 'cancelled', lease_expires_ms = NULL, finished_at = ?
                WHERE job_id = ? AND status IN ('queued', 'running')
                """, arguments: [now, chunk.jobID])
            let counts = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(rows_read), 0) AS read, COALESCE(SUM(rows_rejected), 0) AS rejected
                FROM sluice_chunks WHERE job_id = ?
                """, arguments: [chunk.jobID])!
            let message = "chunk \(chunk.index + 1) failed: \(error)"
            let read: Int = counts["read"], rejected: Int = counts["rejected"]
            _ = try SQLiteJobStore.finish(JobFinishParams(
                id: chunk.jobID, status: .failed, counts: ImportCounts(rowsRead: read, rowsImported: 0, rowsRejected: rejected),
                summary: "failed: \(message)", error: message, now: now), in: db)
        }
    }

    public func jobCancel(id: Int64, now: Date) throws -> Bool {
        try immediate { db in
            try db.execute(sql: """
                UPDATE sluice_jobs SET status = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_ms = NULL,
                    rows_imported = 0, summary = CASE status WHEN 'queued' THEN 'cancelled before it started' ELSE 'cancelled; nothing was imported' END
                WHERE id = ? AND status IN ('queued', 'running')
                """, arguments: [now, id])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: """
                UPDATE sluice_chunks SET status = 'cancelled', lease_expires_ms = NULL, finished_at = ?
                WHERE job_id = ? AND status IN ('queued', 'running')
                """, arguments: [now, id])
            try SQLiteSchema.dropStage(jobID: id, in: db)
            return true
        }
    }

    public func dropUnneededStages() throws -> [Int64] {
        try immediate { db in
            let stages = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sluice\\_stage\\_%' ESCAPE '\\'")
            var dropped: [Int64] = []
            for name in stages {
                guard let id = Int64(name.dropFirst("sluice_stage_".count)) else { continue }
                // Running jobs are writing theirs; failed background jobs keep theirs for a retry until the job is deleted.
                let needed = try Bool.fetchOne(db, sql: """
                    SELECT status IN ('queued', 'running') OR (status = 'failed' AND storage_key IS NOT NULL)
                    FROM sluice_jobs WHERE id = ?
                    """, arguments: [id]) ?? false
                if needed { continue }
                try SQLiteSchema.dropStage(jobID: id, in: db)
                dropped.append(id)
            }
            return dropped
        }
    }

    /// Runs SQL that changes the database (tests, and scripts of the user's own).
    public func execute(_ sql: String) throws {
        do { try queue.write { try $0.execute(sql: sql) } } catch { throw SQLiteDriverError(path: path, error) }
    }

    /// Runs read-only SQL (tests, diagnostics); rows as text.
    public func query(_ sql: String) throws -> [[String?]] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: sql).map { row in
                    row.databaseValues.map { value -> String? in
                        switch value.storage {
                        case .null: return nil
                        case .int64(let i): return String(i)
                        case .double(let d): return String(d)
                        case .string(let s): return s
                        case .blob(let data): return "<\(data.count) bytes>"
                        }
                    }
                }
            }
        } catch {
            throw SQLiteDriverError(path: path, error)
        }
    }
}

/// A database problem, said for the user: which file, and what SQLite said,
/// never the values of the row.
public struct SQLiteDriverError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    var transient = false

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    init(path: String, _ error: any Error) {
        self.path = path
        if let error = error as? SQLiteDriverError {
            self.message = error.message
            self.transient = error.transient
        } else if let error = error as? DatabaseError {
            var message = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                message += " (another connection holds the write lock; try again when it is done)"
                transient = true
            case .SQLITE_IOERR: transient = true
            case .SQLITE_FULL: message += " (the disk is full; nothing was imported)"
            case .SQLITE_READONLY: message += " (check the file's permissions)"
            case .SQLITE_CANTOPEN: message += " (check that the directory exists and is writable)"
            case .SQLITE_NOTADB: message += " (this file is not an SQLite database)"
            default: break
            }
            self.message = message
        } else {
            self.message = String(describing: error)
        }
    }

    public var description: String { "\(path): \(message)" }
}

extension SQLiteDriverError: TransientError {
    /// A busy database and I/O trouble may pass; a constraint, a full disk or a bad file will not.
    public var isTransient: Bool { transient }
}
