import PostgresNIO
import SluiceCore

/// A chunked job's stage: a table in schema `sluice` with the target's
/// columns (the plan's types, widened as values need) and `sluice_line`,
/// each row's input line. It has no constraints, so chunks only append.
enum PostgresStage {
    /// Asks the catalog by a query, whose snapshot sees a stage another
    /// transaction just committed (`to_regclass` may not yet).
    static func exists(_ stage: PostgresTableName, in link: PostgresLink) throws -> Bool {
        try link.query("""
            SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = \(stage.schema ?? "sluice") AND tablename = \(stage.name))
            """).rows[0].decode(Bool.self)
    }

    static func create(_ stage: PostgresTableName, for plan: ImportPlan, in link: PostgresLink) throws {
        let columns = plan.targetColumns.map { "\(PostgresSchema.quote($0.name)) \(PostgresTypes.declaration($0.type))" }
        try link.query(PostgresQuery(unsafeSQL: """
            CREATE TABLE \(stage.sql) (\((columns + ["\(PostgresChunkSession.lineColumn) BIGINT NOT NULL"]).joined(separator: ", ")))
            """))
    }

    /// The stage's column types now, per plan column (chunks widen them).
    static func columnTypes(of stage: PostgresTableName, plan: ImportPlan, in link: PostgresLink) throws -> [ColumnType] {
        var types: [String: ColumnType] = [:]
        for row in try link.query("""
            SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
            WHERE table_schema = \(stage.schema ?? "sluice") AND table_name = \(stage.name)
            """).rows {
            let (name, type) = try row.decode((String, String).self)
            types[name] = PostgresTypes.columnType(dataType: type)
        }
        return plan.targetColumns.map { types[$0.name] ?? $0.type }
    }

    /// The input lines a chunk covers, `first ..< end`: from its first line
    /// to the next chunk's; every line for a chunk that reads the whole input.
    static func lines(of chunk: Chunk, in link: PostgresLink) throws -> (first: Int64, end: Int64) {
        guard let range = chunk.range else { return (0, Int64.max) }
        let next = try link.query("""
            SELECT MIN(first_line) FROM sluice.chunks WHERE job_id = \(chunk.jobID) AND chunk_index > \(Int32(chunk.index))
            """).rows[0].decode(Int64?.self)
        return (Int64(range.firstLine), next ?? Int64.max)
    }

    static func binds(_ lines: (first: Int64, end: Int64)) throws -> PostgresBindings {
        var binds = PostgresBindings(capacity: 2)
        binds.append(lines.first)
        binds.append(lines.end)
        return binds
    }
}
