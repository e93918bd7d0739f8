/// Names Sluice uses in a PostgreSQL database: control tables and stages
/// live in schema `sluice`; target tables in the connection's own schema.
enum PostgresSchema {
    /// A chunked job's stage, schema-qualified (its name needs no quotes).
    static func stageName(jobID: Int64) -> String { "sluice.stage_\(jobID)" }

    static func stage(jobID: Int64) -> PostgresTableName { PostgresTableName(schema: "sluice", name: "stage_\(jobID)") }

    /// `name` as a quoted identifier (double quotes doubled).
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A table, in the connection's schema (`schema` nil) or a named one.
struct PostgresTableName: Sendable, Equatable {
    var schema: String?
    var name: String

    init(schema: String? = nil, name: String) {
        self.schema = schema
        self.name = name
    }

    /// The quoted name for SQL.
    var sql: String { (schema.map { PostgresSchema.quote($0) + "." } ?? "") + PostgresSchema.quote(name) }

    /// The name as postgres-nio's COPY wants it: it wraps what it gets in
    /// one pair of double quotes, so a schema goes in as `schema"."name`.
    /// (`PostgresLink.copy` refuses names that hold a double quote.)
    var copyName: String { (schema.map { $0 + "\".\"" } ?? "") + name }

    /// The parts that must hold no double quote to go through COPY.
    var parts: [String] { (schema.map { [$0] } ?? []) + [name] }
}
