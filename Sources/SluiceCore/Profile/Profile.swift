/// What a file means: its target table, its typed and checked columns,
/// cross-column rules, its key, its import mode and its error budget.
///
/// Profiles are written in YAML (see `ProfileLoader`) or inferred from a
/// file by the sniffer (`ProfileInference`), and printed back by `ProfileWriter`.
public struct Profile: Sendable {
    public var table: String?
    public var columns: [ColumnSpec]
    public var rules: [RuleSpec]
    public var key: [String]
    public var mode: ImportMode?
    public var errors: ErrorBudget
    /// One row per group instead of one per record, when set; its `by` is
    /// also the partition key of a chunked import.
    public var aggregate: AggregateSpec?
    /// The file the profile was read from, for messages.
    public var source: String?
    /// The YAML it was read from, so that a background job can carry it to
    /// a worker that has no copy of the file.
    public var text: String?

    public init(table: String? = nil, columns: [ColumnSpec] = [], rules: [RuleSpec] = [], key: [String] = [],
                mode: ImportMode? = nil, errors: ErrorBudget = ErrorBudget(), aggregate: AggregateSpec? = nil, source: String? = nil) {
        self.table = table
        self.columns = columns
        self.rules = rules
        self.key = key
        self.mode = mode
        self.errors = errors
        self.aggregate = aggregate
        self.source = source
    }
}

/// One column of a profile, with the checks every value must pass.
public struct ColumnSpec: Sendable {
    public var name: String
    public var type: ColumnType
    public var required: Bool
    public var min: Double?
    public var max: Double?
    public var pattern: ColumnPattern?
    /// Allowed values (`in:`), compared as text.
    public var allowed: [String]?
    /// Used when the field is empty or absent, before `required` is checked.
    public var defaultValue: String?
    /// Other header names that mean this column.
    public var aliases: [String]

    public init(name: String, type: ColumnType = .text, required: Bool = false, min: Double? = nil, max: Double? = nil,
                pattern: ColumnPattern? = nil, allowed: [String]? = nil, defaultValue: String? = nil, aliases: [String] = []) {
        self.name = name
        self.type = type
        self.required = required
        self.min = min
        self.max = max
        self.pattern = pattern
        self.allowed = allowed
        self.defaultValue = defaultValue
        self.aliases = aliases
    }
}

/// A cross-column check: the row is rejected when `expression` is false.
public struct RuleSpec: Sendable {
    public var name: String
    public var expression: RuleExpression
    public var message: String?

    public init(name: String, expression: RuleExpression, message: String? = nil) {
        self.name = name
        self.expression = expression
        self.message = message
    }
}

/// How an import changes the target table; each mode is one transaction.
public enum ImportMode: String, Sendable, CaseIterable, Codable {
    /// Adds the rows.
    case append
    /// Inserts new keys and updates the rows whose key exists (`--key`).
    case upsert
    /// Deletes every row of the table, then adds the new ones.
    case replace
}

/// How many bad rows an import may reject before it fails as a whole.
public struct ErrorBudget: Sendable, Equatable {
    /// Most rejected rows allowed; nil for no limit.
    public var maxErrors: Int?
    /// Highest share of rejected rows (0…1) allowed, judged at the end; nil for no limit.
    public var maxRatio: Double?

    public init(maxErrors: Int? = nil, maxRatio: Double? = nil) {
        self.maxErrors = maxErrors
        self.maxRatio = maxRatio
    }
}
