import Foundation
import GRDB
import SluiceCore

/// One import into SQLite: a single `BEGIN IMMEDIATE … COMMIT` around the
/// table's preparation, every row, the job's end and its errors.
final class SQLiteImportSession: ImportSession {
    private let queue: DatabaseQueue
    private let path: String
    private var plan: ImportPlan?
    private var writer: SQLiteRowWriter?
    private var open = false

    init(queue: DatabaseQueue, path: String) {
        self.queue = queue
        self.path = path
    }

    private func inDatabase<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.inDatabase(body) } catch { throw SQLiteDriverError(path: path, error) }
    }

    func begin(plan: ImportPlan) throws {
        try inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            open = true
            self.plan = plan
            try SQLiteSchema.prepareTarget(plan, in: db)
            writer = try SQLiteRowWriter(table: plan.table, columns: plan.targetColumns.map(\.name),
                                         upsertKey: plan.mode == .upsert ? plan.key : [], in: db)
        }
    }

    func write(_ batch: MappedBatch) throws -> [Rejection] {
        guard let writer else { preconditionFailure("write before begin") }
        return try inDatabase { db in try writer.write(batch, in: db) }
    }

    func write(groups: GroupedRows) throws -> [Rejection] {
        guard let writer else { preconditionFailure("write before begin") }
        return try inDatabase { db in try writer.write(groups, in: db) }
    }

    func commit(widened: [ColumnType?], finishing job: JobFinishParams?, rejections: RejectionSpool?) throws {
        guard let plan else { preconditionFailure("commit before begin") }
        try inDatabase { db in
            writer = nil
            if plan.createsTable, plan.targetWidened(widened).contains(where: { $0 != nil }) {
                try SQLiteSchema.rebuild(plan.table, columns: SQLiteSchema.columns(of: plan, widened: widened),
                                         uniqueKey: plan.mode == .upsert ? plan.key : [], in: db)
            }
            if let job {
                if let rejections {
                    try rejections.forEachChunk { try SQLiteJobStore.insertErrors(jobID: job.id, rejections: $0, in: db) }
                }
                _ = try SQLiteJobStore.finish(job, in: db)
            }
            try db.execute(sql: "COMMIT")
            open = false
        }
    }

    func rollback() {
        writer = nil
        guard open else { return }
        try? inDatabase { db in
            if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
        }
        open = false
    }
}
