/// The types a column can have in a profile, in a sniffed schema, or as read
/// from an existing table.
public enum ColumnType: String, Sendable, CaseIterable, Codable {
    case text, integer, real, decimal, boolean, date, timestamp, json

    /// The narrowest type that holds both; sniffing widens along
    /// boolean/integer → real → text and date → timestamp → text.
    public func widened(with other: ColumnType) -> ColumnType {
        if self == other { return self }
        switch (self, other) {
        case (.integer, .real), (.real, .integer): return .real
        case (.integer, .decimal), (.decimal, .integer): return .decimal
        case (.real, .decimal), (.decimal, .real): return .real
        case (.date, .timestamp), (.timestamp, .date): return .timestamp
        default: return .text
        }
    }

    /// Whether values of this type are numbers for `min`/`max` and rules.
    public var isNumeric: Bool { self == .integer || self == .real || self == .decimal }
}
