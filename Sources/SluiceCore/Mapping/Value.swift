/// One typed cell on its way to the database.
///
/// Values are what the mapper makes of a field's text once the column's type
/// is known; drivers bind them without further conversion. Dates, timestamps
/// and decimals travel as canonical text (`2024-01-31`, `2024-01-31T12:00:00Z`,
/// `14.50`), which both SQLite and PostgreSQL read back exactly.
public enum Value: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The value as a number, for comparisons in rules and `min`/`max` checks.
    public var number: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        case .text(let s): return Double(s)
        case .null: return nil
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value written back as text, as a user would type it.
    public var textValue: String? {
        switch self {
        case .null: return nil
        case .integer(let i): return String(i)
        case .real(let d): return Value.format(d)
        case .text(let s): return s
        }
    }

    static func format(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return String(d)
    }
}
