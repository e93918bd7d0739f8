/// Names Sluice uses in a PostgreSQL database: control tables and stages
/// live in schema `sluice`; target tables in the connection's own schema.
enum PostgresSchema {
    /// A chunked job's stage, schema-qualified and quoted.
    static func stageName(jobID: Int64) -> String { "sluice.stage_\(jobID)" }

    /// `name` as a quoted identifier (double quotes doubled).
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
