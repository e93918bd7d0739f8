/// Decides the import plan from what is known before reading rows: the
/// input's columns (header or sampled keys) and sniffed types, the profile,
/// and the table as it already exists, if it does.
public struct PlanBuilder {
    public var file: String
    public var headerLine: Int?
    public var sourceColumns: [String]
    public var sniffedTypes: [ColumnType]
    public var profile: Profile?
    public var existing: [ExistingColumn]?
    public var table: String
    public var mode: ImportMode
    public var key: [String]
    public var alter: Bool
    /// Whether the input places fields by position (CSV) rather than by name (JSON).
    public var positional: Bool

    public init(file: String, headerLine: Int?, sourceColumns: [String], sniffedTypes: [ColumnType], profile: Profile?,
                existing: [ExistingColumn]?, table: String, mode: ImportMode, key: [String], alter: Bool, positional: Bool) {
        self.file = file
        self.headerLine = headerLine
        self.sourceColumns = sourceColumns
        self.sniffedTypes = sniffedTypes
        self.profile = profile
        self.existing = existing
        self.table = table
        self.mode = mode
        self.key = key
        self.alter = alter
        self.positional = positional
    }

    public func build() throws(PlanError) -> ImportPlan {
        if let problem = Identifier.validate(table, what: "the table name") { throw fail(problem) }
        if Identifier.isReserved(table: table) { throw fail("table name '\(table)' is reserved (sqlite_ and sluice_ belong to the database and to Sluice)") }
        try checkSourceColumns()
        var columns = try profile.map { profile throws(PlanError) in try profileColumns(profile) } ?? sniffedColumns()
        var aggregation = try profile?.aggregate.map { spec throws(PlanError) in try aggregationPlan(spec, of: columns) }
        var added: [String] = []
        if let existing {
            // The table holds what is written: the groups when the import aggregates.
            if aggregation != nil {
                added = try reconcile(&aggregation!.columns, with: existing)
            } else {
                added = try reconcile(&columns, with: existing)
            }
        }
        let key = try resolveKey(aggregation?.columns ?? columns, grouping: aggregation?.spec.by ?? [])
        let rules = try bindRules(columns)
        var plan = ImportPlan(table: table, columns: columns, rules: rules, mode: mode, key: key,
                              createsTable: existing == nil, addedColumns: added,
                              expectedFieldCount: positional ? sourceColumns.count : nil, sourceColumns: sourceColumns)
        plan.aggregation = aggregation
        return plan
    }

    /// The groups' columns of a profile's `aggregate:` over the mapped `columns`.
    private func aggregationPlan(_ spec: AggregateSpec, of columns: [TargetColumn]) throws(PlanError) -> AggregationPlan {
        do throws(AggregationError) {
            let outputs = try Aggregator(spec: spec, columns: columns.map { ($0.name, $0.type) }).outputColumns
            return AggregationPlan(spec: spec, columns: outputs.map { TargetColumn(name: $0.name, type: $0.type, source: nil) })
        } catch {
            throw fail(error.message)
        }
    }

    private func fail(_ message: String, line: Int? = nil) -> PlanError {
        PlanError(file: file, line: line, message: message)
    }

    private func checkSourceColumns() throws(PlanError) {
        var seen: [String: Int] = [:]
        for (index, name) in sourceColumns.enumerated() {
            if let problem = Identifier.validate(name, what: "the name of column \(index + 1)") {
                throw fail(problem, line: headerLine)
            }
            let normal = HeaderMatcher.normalize(name)
            if let earlier = seen[normal] {
                let same = sourceColumns[earlier] == name ? "'\(name)'" : "'\(sourceColumns[earlier])' and '\(name)'"
                throw fail("duplicate column name \(same) (columns \(earlier + 1) and \(index + 1))", line: headerLine)
            }
            seen[normal] = index
        }
    }

    private func sniffedColumns() -> [TargetColumn] {
        sourceColumns.enumerated().map { index, name in
            TargetColumn(name: name, type: index < sniffedTypes.count ? sniffedTypes[index] : .text, source: index, widens: true)
        }
    }

    /// Binds each profile column to a field: by header name, then by alias;
    /// without a header, by position.
    private func profileColumns(_ profile: Profile) throws(PlanError) -> [TargetColumn] {
        let headers = HeaderMatcher(names: sourceColumns)
        var columns: [TargetColumn] = []
        for (position, spec) in profile.columns.enumerated() {
            var source: Int?
            if positional && headerLine == nil {
                source = position < sourceColumns.count ? position : nil
            } else {
                source = headers.index(of: spec.name) ?? spec.aliases.lazy.compactMap { headers.index(of: $0) }.first
            }
            if source == nil && spec.required && spec.defaultValue == nil {
                let aliases = spec.aliases.isEmpty ? "" : " or its aliases (\(spec.aliases.joined(separator: ", ")))"
                throw fail("required column '\(spec.name)' matches no column of the input: no header is '\(spec.name)'\(aliases); the input has \(sourceColumns.joined(separator: ", "))",
                           line: headerLine)
            }
            columns.append(TargetColumn(name: spec.name, type: spec.type, source: source, spec: spec, widens: false))
        }
        return columns
    }

    /// Matches the plan's columns to the table's, taking the table's spelling
    /// and types; a column the table lacks is an error unless `--alter` adds it.
    private func reconcile(_ columns: inout [TargetColumn], with existing: [ExistingColumn]) throws(PlanError) -> [String] {
        let table = HeaderMatcher(names: existing.map(\.name))
        var added: [String] = []
        for index in columns.indices {
            if let match = table.index(of: columns[index].name) {
                columns[index].name = existing[match].name
                if profile == nil { columns[index].type = existing[match].type }
                columns[index].widens = false
            } else if alter {
                added.append(columns[index].name)
                columns[index].widens = false
            } else {
                throw fail("table '\(self.table)' has no column '\(columns[index].name)'; add --alter to add it, or map it with a profile")
            }
        }
        return added
    }

    /// The upsert key: `--key`, else the profile's `key:`, else the
    /// aggregate's `by` (`grouping`), which is what names a group's row.
    private func resolveKey(_ columns: [TargetColumn], grouping: [String]) throws(PlanError) -> [String] {
        var names = key.isEmpty ? (profile?.key ?? []) : key
        if names.isEmpty && mode == .upsert { names = grouping }
        let matcher = HeaderMatcher(names: columns.map(\.name))
        let resolved = try names.map { name throws(PlanError) -> String in
            guard let index = matcher.index(of: name) else {
                throw fail("key column '\(name)' is not a column of the import (\(columns.map(\.name).joined(separator: ", ")))")
            }
            return columns[index].name
        }
        if mode == .upsert && resolved.isEmpty {
            throw fail("upsert needs a key: give --key COLUMN[,COLUMN…] or `key:` in the profile")
        }
        return resolved
    }

    private func bindRules(_ columns: [TargetColumn]) throws(PlanError) -> [PlannedRule] {
        guard let profile else { return [] }
        let matcher = HeaderMatcher(names: columns.map(\.name))
        var planned: [PlannedRule] = []
        for spec in profile.rules {
            do {
                let bound = try spec.expression.bind { matcher.index(of: $0) }
                planned.append(PlannedRule(name: spec.name, message: spec.message ?? "rule '\(spec.name)' failed: \(spec.expression.source)", rule: bound,
                                           columnNames: spec.expression.columnNames))
            } catch {
                throw fail("rule '\(spec.name)': '\(error.name)' is not a column of the import")
            }
        }
        return planned
    }
}
