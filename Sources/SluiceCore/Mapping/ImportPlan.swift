/// Everything the workers and the writer need to know about one import,
/// decided before the first row is read: which field feeds which column,
/// with what type and checks, which rules apply, and what happens to the table.
public struct ImportPlan: Sendable {
    public var table: String
    public var columns: [TargetColumn]
    public var rules: [PlannedRule]
    public var mode: ImportMode
    /// The key columns (target names), for upsert.
    public var key: [String]
    /// Sluice creates the table (it did not exist).
    public var createsTable: Bool
    /// Columns the table lacks that `--alter` adds.
    public var addedColumns: [String]
    /// How many fields every record must have (the header's width), or nil
    /// when the reader already places fields by name (JSON).
    public var expectedFieldCount: Int?
    /// The input's own column names, for the rejects file.
    public var sourceColumns: [String]
    /// A profile's `aggregate:`: the table gets one row per group, with
    /// these columns, instead of one row per record with `columns`.
    public var aggregation: AggregationPlan?

    public init(table: String, columns: [TargetColumn], rules: [PlannedRule] = [], mode: ImportMode = .append,
                key: [String] = [], createsTable: Bool = true, addedColumns: [String] = [],
                expectedFieldCount: Int? = nil, sourceColumns: [String] = []) {
        self.table = table
        self.columns = columns
        self.rules = rules
        self.mode = mode
        self.key = key
        self.createsTable = createsTable
        self.addedColumns = addedColumns
        self.expectedFieldCount = expectedFieldCount
        self.sourceColumns = sourceColumns
    }

    /// The columns of the rows written to the table: `columns`, or the
    /// aggregate's when the import aggregates. `key` and `addedColumns`
    /// name these.
    public var targetColumns: [TargetColumn] { aggregation?.columns ?? columns }

    /// `widened` (per mapped column) as it applies to `targetColumns`: an
    /// aggregate's columns take the types the aggregate gives them.
    public func targetWidened(_ widened: [ColumnType?]) -> [ColumnType?] {
        aggregation.map { [ColumnType?](repeating: nil, count: $0.columns.count) } ?? widened
    }
}

/// How an aggregating import (a profile's `aggregate:`) writes its table:
/// the mapped rows are folded by `spec`, and the table has the groups' columns.
public struct AggregationPlan: Sendable {
    public var spec: AggregateSpec
    /// The `by` columns, then the aggregated ones (no field feeds them directly).
    public var columns: [TargetColumn]

    public init(spec: AggregateSpec, columns: [TargetColumn]) {
        self.spec = spec
        self.columns = columns
    }
}

/// One column of the target table and where its values come from.
public struct TargetColumn: Sendable {
    public var name: String
    public var type: ColumnType
    /// Index of the input field that feeds it; nil when no field does (its
    /// default, or NULL, is used).
    public var source: Int?
    /// The profile's checks for it, if a profile names it.
    public var spec: ColumnSpec?
    /// A sniffed column of a table Sluice creates: a value that does not fit
    /// widens the column (integer → real → text) instead of being rejected.
    public var widens: Bool

    public init(name: String, type: ColumnType, source: Int?, spec: ColumnSpec? = nil, widens: Bool = false) {
        self.name = name
        self.type = type
        self.source = source
        self.spec = spec
        self.widens = widens
    }
}

/// A profile rule bound to the plan's column positions.
public struct PlannedRule: Sendable {
    public var name: String
    public var message: String
    public var rule: BoundRule
    /// The columns the rule reads.
    public var columnNames: [String]

    public init(name: String, message: String, rule: BoundRule, columnNames: [String] = []) {
        self.name = name
        self.message = message
        self.rule = rule
        self.columnNames = columnNames
    }
}
