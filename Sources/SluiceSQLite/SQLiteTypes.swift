import SluiceCore

/// How Sluice's column types are declared in SQLite, and read back.
enum SQLiteTypes {
    /// Declared types chosen for their SQLite affinity. JSON is TEXT, so that
    /// a JSON value such as `123` stays the text it was; ISO dates and times
    /// never look like numbers, so DATE and TIMESTAMP (NUMERIC affinity) keep
    /// them as text too.
    static func declaration(_ type: ColumnType) -> String {
        switch type {
        case .text: return "TEXT"
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .decimal: return "NUMERIC"
        case .boolean: return "BOOLEAN"
        case .date: return "DATE"
        case .timestamp: return "TIMESTAMP"
        case .json: return "TEXT"
        }
    }

    /// The type of an existing column from its declaration, by SQLite's own
    /// affinity rules, refined for the names Sluice and others use.
    static func columnType(declared: String) -> ColumnType {
        let d = declared.uppercased()
        if d.hasPrefix("JSON") { return .json }
        if d.hasPrefix("TIMESTAMP") || d.hasPrefix("DATETIME") { return .timestamp }
        if d.hasPrefix("DATE") { return .date }
        if d.hasPrefix("BOOL") { return .boolean }
        if d.contains("INT") { return .integer }
        if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") { return .text }
        if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") { return .real }
        if d.contains("NUMERIC") || d.contains("DECIMAL") { return .decimal }
        return .text
    }

    /// `"name"`, with embedded quotes doubled: the only way a name from a
    /// file reaches SQL.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
