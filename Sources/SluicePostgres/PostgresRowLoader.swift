import NIOCore
import PostgresNIO
import SluiceCore

/// Writes rows into a target inside the caller's transaction, with COPY:
/// straight into the table for append and replace; for upsert into a
/// temporary table first, then `INSERT … SELECT … ON CONFLICT` (COPY
/// cannot upsert), the last row of a key winning as in the file.
///
/// Rows the table refuses (its unique, check, foreign key or not-null
/// constraints, a value out of a column's range) do not fail the import:
/// a refused batch is undone to its savepoint and loaded again in halves,
/// down to the single rows the table refuses, which become rejections with
/// their line and the server's message. A clean batch costs one COPY.
struct PostgresRowLoader {
    let link: PostgresLink
    let table: PostgresTableName
    let columns: [String]
    let upsertKey: [String]
    /// A column of `table` that takes each row's input line (a stage's); nil for a target.
    var lineColumn: String?

    init(link: PostgresLink, table: PostgresTableName, columns: [String], upsertKey: [String], lineColumn: String? = nil) {
        self.link = link
        self.table = table
        self.columns = columns
        self.upsertKey = upsertKey
        self.lineColumn = lineColumn
    }

    /// The temporary table an upsert loads through; its last column is each row's input line.
    static let upsertRows = "sluice_upsert_rows"
    static let lineColumn = "sluice_line"

    /// Creates (again, after the target's columns changed) the temporary table of an upsert.
    func prepare() throws {
        guard !upsertKey.isEmpty else { return }
        let names = columns.map(PostgresSchema.quote).joined(separator: ", ")
        try link.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(Self.upsertRows)"))
        try link.query(PostgresQuery(unsafeSQL: """
            CREATE TEMPORARY TABLE \(Self.upsertRows) ON COMMIT DROP AS SELECT \(names) FROM \(table.sql) WITH NO DATA
            """))
        try link.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(Self.upsertRows) ADD COLUMN \(Self.lineColumn) BIGINT"))
    }

    /// Loads every row; returns those the table refused.
    func load<Rows: WritableRows>(_ rows: Rows) throws -> [Rejection] {
        var refused: [Rejection] = []
        try load(0..<rows.rowCount, of: rows, refused: &refused)
        return refused
    }

    private func load<Rows: WritableRows>(_ range: Range<Int>, of rows: Rows, refused: inout [Rejection]) throws {
        guard !range.isEmpty else { return }
        try link.query("SAVEPOINT sluice_rows")
        do {
            try write(range, of: rows)
            try link.query("RELEASE SAVEPOINT sluice_rows")
        } catch let error as PostgresDriverError where error.refusesRows {
            try link.query("ROLLBACK TO SAVEPOINT sluice_rows")
            try link.query("RELEASE SAVEPOINT sluice_rows")
            guard range.count > 1 else {
                refused.append(rows.rejection(ofRow: range.lowerBound, error: error.rowError))
                return
            }
            let middle = range.lowerBound + range.count / 2
            try load(range.lowerBound..<middle, of: rows, refused: &refused)
            try load(middle..<range.upperBound, of: rows, refused: &refused)
        }
    }

    private func write<Rows: WritableRows>(_ range: Range<Int>, of rows: Rows) throws {
        let buffer = PostgresCopyEncoder.encode(range, of: rows, withLine: !upsertKey.isEmpty || lineColumn != nil)
        guard !upsertKey.isEmpty else {
            try link.copy(into: table, columns: columns + (lineColumn.map { [$0] } ?? []), data: buffer)
            return
        }
        try link.query(PostgresQuery(unsafeSQL: "TRUNCATE \(Self.upsertRows)"))
        try link.copy(into: PostgresTableName(name: Self.upsertRows), columns: columns + [Self.lineColumn], data: buffer)
        try link.query(PostgresQuery(unsafeSQL: PostgresTarget.insertSelect(
            into: table, from: PostgresTableName(name: Self.upsertRows), columns: columns, upsertKey: upsertKey, lineColumn: Self.lineColumn)))
    }
}
