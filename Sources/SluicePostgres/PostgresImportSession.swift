import Foundation
import PostgresNIO
import SluiceCore

/// One import into PostgreSQL, on a connection of its own: a single
/// transaction around the table's preparation, every row, the job's end
/// and its errors.
///
/// Appended rows stream: batches go into one open COPY, up to
/// `rowsPerStream` rows under one savepoint, so that the server stores rows
/// while the client maps the next ones. The COPY's answer comes when the
/// stream ends; if the table refused a row, the stream is undone and its
/// batches are loaded again one by one by `PostgresRowLoader`, down to the
/// refused rows. Those refusals are returned by the `write` that ended the
/// stream, or by `finishWrites`. Upserts load batch by batch.
///
/// The stream is in the binary COPY format when every column of the target
/// has a binary form for its values and no column can widen
/// (`PostgresBinaryCopy`): the server then skips parsing numbers. Otherwise,
/// and for every reload, it is text.
final class PostgresImportSession: ImportSession {
    /// Rows per streamed COPY: few enough that a refused stream is cheap to
    /// load again and its batches fit in memory, enough that the pause
    /// between two streams (the client waits for the server to catch up,
    /// then two round trips) is rare: on the plans file 131,072 rows took
    /// 0.1–0.2 s off 65,536's 1.7–1.9 s, for about 30 MiB more.
    static let rowsPerStream = 131_072

    private let url: PostgresURL
    private var link: PostgresLink?
    private var plan: ImportPlan?
    private var loader: PostgresRowLoader?
    /// The open COPY and the batches it holds (kept to load again if refused).
    private var stream: PostgresCopyStream?
    private var streamed: [MappedBatch] = []
    private var streamedRows = 0
    /// The types the target's columns have now, per plan column (a table
    /// this import creates widens as values need).
    private var declared: [ColumnType] = []
    /// The binary form of each column, when the stream is binary.
    private var binary: [PostgresBinaryCopy.Column]?

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
        let loader = PostgresRowLoader(link: link, table: PostgresTableName(name: plan.table), columns: plan.targetColumns.map(\.name),
                                       upsertKey: plan.mode == .upsert ? plan.key : [])
        try loader.prepare()
        self.loader = loader
        binary = try Self.binaryColumns(for: plan, in: link)
    }

    /// The columns' binary forms when every one has one and none can widen; nil otherwise.
    private static func binaryColumns(for plan: ImportPlan, in link: PostgresLink) throws -> [PostgresBinaryCopy.Column]? {
        guard plan.mode != .upsert, plan.aggregation == nil, !plan.columns.contains(where: \.widens) else { return nil }
        var types: [String: String] = [:]
        for row in try link.query("""
            SELECT a.attname::TEXT, t.typname::TEXT FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = to_regclass(\(PostgresSchema.quote(plan.table))) AND a.attnum > 0 AND NOT a.attisdropped
            """).rows {
            let (name, type) = try row.decode((String, String).self)
            types[name] = type
        }
        let columns = plan.targetColumns.map { column in types[column.name].flatMap { PostgresBinaryCopy.Column(planType: column.type, typeName: $0) } }
        return columns.contains(nil) ? nil : columns.compactMap { $0 }
    }

    func write(_ batch: MappedBatch) throws -> [Rejection] {
        guard let loader, let plan, let link else { preconditionFailure("write before begin") }
        var refused: [Rejection] = []
        let wider = plan.targetWidened(batch.widenedTypes)
        if plan.createsTable && needsWidening(wider) {
            // ALTER cannot run while a COPY holds the connection.
            refused += try endStream()
            try widen(to: wider, plan: plan, link: link, loader: loader)
        }
        guard loader.upsertKey.isEmpty else { return refused + (try loader.load(batch)) }
        guard let encoded = batch.copyRows ?? (binary == nil ? PostgresCopyEncoder.encode(0..<batch.rowCount, of: batch, withLine: false) : nil) else {
            // A batch the binary form cannot carry goes in as text, after the stream.
            return refused + (try endStream()) + (try loader.load(batch))
        }
        if stream == nil {
            try link.query("SAVEPOINT sluice_stream")
            stream = try PostgresCopyStream(link: link, table: loader.table, columns: loader.columns, binary: binary != nil)
        }
        stream?.send(encoded)
        var kept = batch
        kept.encoded = nil  // a reload encodes again, as text; the sent bytes need not stay
        streamed.append(kept)
        streamedRows += batch.rowCount
        if streamedRows >= Self.rowsPerStream { refused += try endStream() }
        return refused
    }

    /// Where a stream's batches are freed once the server has them: freeing
    /// 65,536 rows of values took 5–10 ms, and on the writer's thread the
    /// server sat idle that long before each next COPY.
    private static let freeing = DispatchQueue(label: "sluice.postgres.free", qos: .utility)

    private static func free(_ batches: [MappedBatch]) {
        freeing.async { withExtendedLifetime(batches) {} }
    }

    func write(groups: GroupedRows) throws -> [Rejection] {
        guard let loader else { preconditionFailure("write before begin") }
        let refused = try endStream()
        return refused + (try loader.load(groups))
    }

    /// Appended rows are encoded on the mapping threads; an upsert's carry
    /// their lines and are encoded by the loader.
    var batchEncoder: (any BatchEncoder)? {
        if let binary { return PostgresBinaryBatchEncoder(columns: binary) }
        return plan?.mode == .upsert ? nil : PostgresCopyBatchEncoder()
    }

    func finishWrites() throws -> [Rejection] {
        try endStream()
    }

    /// Ends the open COPY; if the table refused a row, undoes it and loads
    /// its batches again one by one. Returns the refused rows.
    private func endStream() throws -> [Rejection] {
        guard let stream, let link, let loader else { return [] }
        self.stream = nil
        let batches = streamed
        streamed = []
        streamedRows = 0
        do {
            try stream.finish()
            try link.query("RELEASE SAVEPOINT sluice_stream")
            Self.free(batches)
            return []
        } catch let error as PostgresDriverError where error.refusesRows {
            try link.query("ROLLBACK TO SAVEPOINT sluice_stream")
            try link.query("RELEASE SAVEPOINT sluice_stream")
            return try batches.flatMap { try loader.load($0) }
        }
    }

    private func needsWidening(_ wider: [ColumnType?]) -> Bool {
        wider.enumerated().contains { index, type in type.map { declared[index].widened(with: $0) != declared[index] } ?? false }
    }

    /// Alters the columns whose values needed a wider type than declared.
    private func widen(to wider: [ColumnType?], plan: ImportPlan, link: PostgresLink, loader: PostgresRowLoader) throws {
        var changed = false
        for (index, type) in wider.enumerated() {
            guard let type, declared[index] != type else { continue }
            let target = declared[index].widened(with: type)
            guard target != declared[index] else { continue }
            try PostgresTarget.widen(loader.table, column: plan.targetColumns[index].name, from: declared[index], to: target, in: link)
            declared[index] = target
            changed = true
        }
        if changed { try loader.prepare() }
    }

    func commit(widened: [ColumnType?], finishing job: JobFinishParams?, rejections: RejectionSpool?) throws {
        guard let link else { preconditionFailure("commit before begin") }
        precondition(stream == nil, "commit with a COPY still open: the engine calls finishWrites first")
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
        // An open COPY is ended (whatever it says) before the connection can roll back.
        try? stream?.finish()
        stream = nil
        streamed = []
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
