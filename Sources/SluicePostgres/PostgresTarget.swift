import PostgresNIO
import SluiceCore

/// The SQL that shapes target tables on PostgreSQL. Every name is quoted by
/// `PostgresSchema.quote`; no text from a file is spliced in unquoted.
enum PostgresTarget {
    static func createTable(_ table: String, columns: [(String, ColumnType)], uniqueKey: [String]) -> String {
        var parts = columns.map { "\(PostgresSchema.quote($0.0)) \(PostgresTypes.declaration($0.1))" }
        if !uniqueKey.isEmpty { parts.append("UNIQUE (\(uniqueKey.map(PostgresSchema.quote).joined(separator: ", ")))") }
        return "CREATE TABLE \(PostgresSchema.quote(table)) (\(parts.joined(separator: ", ")))"
    }

    /// The columns of `table` in the connection's schema; nil when there is no such table.
    static func existingColumns(of table: String, in link: PostgresLink) throws -> [ExistingColumn]? {
        let rows = try link.query("""
            SELECT column_name::TEXT, data_type::TEXT, is_nullable = 'NO'
            FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(table)
            ORDER BY ordinal_position
            """).rows
        guard !rows.isEmpty else { return nil }
        return try rows.map { row in
            let (name, type, notNull) = try row.decode((String, String, Bool).self)
            return ExistingColumn(name: name, type: PostgresTypes.columnType(dataType: type), notNull: notNull)
        }
    }

    /// Makes the target ready for the plan's rows: creates it, adds the
    /// columns `--alter` asks for, makes sure an upsert has its unique key,
    /// and empties it for `replace`.
    static func prepare(_ plan: ImportPlan, in link: PostgresLink) throws {
        let table = PostgresSchema.quote(plan.table)
        if plan.createsTable {
            try link.query(PostgresQuery(unsafeSQL: createTable(plan.table, columns: plan.targetColumns.map { ($0.name, $0.type) },
                                                                uniqueKey: plan.mode == .upsert ? plan.key : [])))
        }
        for name in plan.addedColumns {
            let type = plan.targetColumns.first { $0.name == name }?.type ?? .text
            try link.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ADD COLUMN \(PostgresSchema.quote(name)) \(PostgresTypes.declaration(type))"))
        }
        if plan.mode == .upsert && !plan.createsTable { try ensureUniqueIndex(on: plan.table, key: plan.key, in: link) }
        if plan.mode == .replace && !plan.createsTable { try link.query(PostgresQuery(unsafeSQL: "TRUNCATE \(table)")) }
    }

    /// Upsert needs a unique index on exactly the key; adds one when the table has none.
    static func ensureUniqueIndex(on table: String, key: [String], in link: PostgresLink) throws {
        let exists = try link.query("""
            SELECT EXISTS (
                SELECT 1 FROM pg_index i
                WHERE i.indrelid = to_regclass(quote_ident(\(table))) AND i.indisunique AND i.indpred IS NULL
                  AND (SELECT array_agg(a.attname::TEXT ORDER BY a.attname::TEXT) FROM pg_attribute a
                       WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) = \(key.sorted())::TEXT[]
                  AND cardinality(i.indkey) = \(key.count))
            """).rows[0].decode(Bool.self)
        guard !exists else { return }
        let name = PostgresSchema.quote(String("sluice_key_\(table)_\(key.joined(separator: "_"))".prefix(63)))
        do {
            try link.query(PostgresQuery(unsafeSQL: """
                CREATE UNIQUE INDEX \(name) ON \(PostgresSchema.quote(table)) (\(key.map(PostgresSchema.quote).joined(separator: ", ")))
                """))
        } catch let error as PostgresDriverError where error.sqlState == "23505" {
            throw PostgresDriverError(url: link.url, message: "cannot upsert into '\(table)' by (\(key.joined(separator: ", "))): the table already has rows with the same key")
        }
    }

    /// Widens a column of a table this import created (or of a stage),
    /// when a later value needed a wider type than the sniffed one
    /// (PostgreSQL's columns are strict, where SQLite's keep any value
    /// until the commit rebuilds them).
    static func widen(_ table: PostgresTableName, column: String, from: ColumnType, to: ColumnType, in link: PostgresLink) throws {
        try link.query(PostgresQuery(unsafeSQL: """
            ALTER TABLE \(table.sql) ALTER COLUMN \(PostgresSchema.quote(column))
            TYPE \(PostgresTypes.declaration(to)) USING \(PostgresTypes.conversion(of: column, from: from, to: to))
            """))
    }

    /// `INSERT INTO table … SELECT … FROM source` in the input's order
    /// (`lineColumn` of `source`). With an upsert key, only the last row of
    /// each key in the input goes in, and replaces the table's row with
    /// that key (PostgreSQL refuses one statement touching a row twice).
    /// `lineRange`: only the rows whose line is between the two parameters
    /// (`$1`, `$2`) the statement then takes.
    static func insertSelect(into table: PostgresTableName, from source: PostgresTableName, columns: [String], upsertKey: [String],
                             lineColumn: String, lineRange: Bool = false) -> String {
        let names = columns.map(PostgresSchema.quote).joined(separator: ", ")
        let line = PostgresSchema.quote(lineColumn)
        let rows = "\(source.sql)" + (lineRange ? " WHERE \(line) BETWEEN $1 AND $2" : "")
        guard !upsertKey.isEmpty else {
            return "INSERT INTO \(table.sql) (\(names)) SELECT \(names) FROM \(rows) ORDER BY \(line)"
        }
        let key = upsertKey.map(PostgresSchema.quote).joined(separator: ", ")
        let updates = columns.filter { !upsertKey.contains($0) }.map { "\(PostgresSchema.quote($0)) = excluded.\(PostgresSchema.quote($0))" }
        return """
            INSERT INTO \(table.sql) (\(names))
            SELECT DISTINCT ON (\(key)) \(names) FROM \(rows) ORDER BY \(key), \(line) DESC
            ON CONFLICT (\(key)) DO \(updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", "))
            """
    }
}
