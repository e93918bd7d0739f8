import SluiceCore

/// How Sluice's column types are declared in PostgreSQL, and read back.
enum PostgresTypes {
    /// Integers are 64-bit as in SQLite; timestamps keep their zone (the
    /// mapper writes them in UTC); JSON keeps its text exactly (`json`, not
    /// `jsonb`, which would reorder keys).
    static func declaration(_ type: ColumnType) -> String {
        switch type {
        case .text: return "TEXT"
        case .integer: return "BIGINT"
        case .real: return "DOUBLE PRECISION"
        case .decimal: return "NUMERIC"
        case .boolean: return "BOOLEAN"
        case .date: return "DATE"
        case .timestamp: return "TIMESTAMPTZ"
        case .json: return "JSON"
        }
    }

    /// The type of an existing column from `information_schema.columns.data_type`.
    static func columnType(dataType: String) -> ColumnType {
        switch dataType.lowercased() {
        case "smallint", "integer", "bigint": return .integer
        case "real", "double precision": return .real
        case "numeric", "decimal": return .decimal
        case "boolean": return .boolean
        case "date": return .date
        case let type where type.hasPrefix("timestamp"): return .timestamp
        case "json", "jsonb": return .json
        default: return .text
        }
    }

    /// The expression that converts column `name` of type `from` to `to`, for
    /// `ALTER COLUMN … TYPE … USING` (PostgreSQL casts a boolean only to an integer).
    static func conversion(of name: String, from: ColumnType, to: ColumnType) -> String {
        let column = PostgresSchema.quote(name)
        if from == .boolean && to != .text { return "(\(column)::INTEGER)::\(declaration(to))" }
        return "\(column)::\(declaration(to))"
    }
}
