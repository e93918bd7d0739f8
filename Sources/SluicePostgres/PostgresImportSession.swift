import Foundation
import PostgresNIO
import SluiceCore

/// One import into PostgreSQL, on a connection of its own: a single
/// transaction around the table's preparation, every row (by COPY, see
/// `PostgresRowLoader`), the job's end and its errors.
final class PostgresImportSession: ImportSession {
    private let url: PostgresURL
    private var link: PostgresLink?
    private var plan: ImportPlan?
    private var loader: PostgresRowLoader?
    /// The types the target's columns have now, per plan column (a table
    /// this import creates widens as values need).
    private var declared: [ColumnType] = []

    init(url: PostgresURL) {
        self.url = url
    }

    func begin(plan: ImportPlan) throws {
        let link = try PostgresLink.connect(url)
        self.link = link
        try link.query("BEGIN")
        self.plan = plan
        declared = plan.targetColumns.map(\.type)
        try PostgresTarget.prepare(plan, in: link)
        let loader = PostgresRowLoader(link: link, table: plan.table, columns: plan.targetColumns.map(\.name),
                                       upsertKey: plan.mode == .upsert ? plan.key : [])
        try loader.prepare()
        self.loader = loader
    }

    func write(_ batch: MappedBatch) throws -> [Rejection] {
        guard let loader, let plan, let link else { preconditionFailure("write before begin") }
        if plan.createsTable { try widen(to: plan.targetWidened(batch.widenedTypes), plan: plan, link: link, loader: loader) }
        return try loader.load(batch)
    }

    func write(groups: GroupedRows) throws -> [Rejection] {
        guard let loader else { preconditionFailure("write before begin") }
        return try loader.load(groups)
    }

    /// Alters the columns whose values needed a wider type than declared.
    private func widen(to wider: [ColumnType?], plan: ImportPlan, link: PostgresLink, loader: PostgresRowLoader) throws {
        var changed = false
        for (index, type) in wider.enumerated() {
            guard let type, declared[index] != type else { continue }
            let target = declared[index].widened(with: type)
            guard target != declared[index] else { continue }
            try PostgresTarget.widen(plan.table, column: plan.targetColumns[index].name, from: declared[index], to: target, in: link)
            declared[index] = target
            changed = true
        }
        if changed { try loader.prepare() }
    }

    func commit(widened: [ColumnType?], finishing job: JobFinishParams?, rejections: RejectionSpool?) throws {
        guard let link else { preconditionFailure("commit before begin") }
        if let job {
            if let rejections {
                try rejections.forEachChunk { try PostgresJobStore.insertErrors(jobID: job.id, rejections: $0, in: link) }
            }
            _ = try PostgresJobStore.finish(job, in: link)
        }
        try link.query("COMMIT")
        close()
    }

    func rollback() {
        guard let link else { return }
        _ = try? link.query("ROLLBACK")
        close()
    }

    private func close() {
        loader = nil
        link?.close()
        link = nil
    }
}
