/// Why a row was rejected; stored with every rejected row.
public enum RowErrorKind: String, Sendable, CaseIterable, Codable {
    /// A value does not fit its column's type or checks (`min`, `in`, `pattern`, `required`).
    case cast
    /// The record has fewer fields than the header.
    case missingColumn = "missing_column"
    /// The record has more fields than the header, or an object has unknown keys.
    case extraColumn = "extra_column"
    /// A profile rule evaluated to false.
    case rule
    /// The database refused the row (unique, not null, check, foreign key).
    case constraint
    /// The bytes are not valid text in the input's encoding.
    case encoding
    /// The record could not be read at all (for example a JSON line that is not an object).
    case malformed
    /// The row cannot join its group (for example a `sum` would overflow).
    case aggregate
}

/// One problem with one row.
public struct RowError: Error, Sendable, Equatable, Codable {
    public var kind: RowErrorKind
    public var column: String?
    public var value: String?
    public var message: String

    public init(kind: RowErrorKind, column: String? = nil, value: String? = nil, message: String) {
        self.kind = kind
        self.column = column
        self.value = value
        self.message = message
    }
}

/// A rejected row: where it was, what it said, and everything wrong with it.
public struct Rejection: Sendable, Equatable, Codable {
    /// The physical line on which the record starts.
    public var line: Int
    public var byteOffset: Int64
    /// The record as it was in the file, without its line end.
    public var original: String
    /// The record's fields as read (for the rejects CSV).
    public var fields: [String?]
    public var errors: [RowError]

    public init(line: Int, byteOffset: Int64, original: String, fields: [String?], errors: [RowError]) {
        self.line = line
        self.byteOffset = byteOffset
        self.original = original
        self.fields = fields
        self.errors = errors
    }

    /// All the row's problems in one line, for `_error` in the rejects file.
    public var summary: String { errors.map(\.message).joined(separator: "; ") }
}
