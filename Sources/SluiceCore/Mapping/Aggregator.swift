/// One output row of an aggregate: the group's key and aggregated values, in
/// `Aggregator.outputColumns` order, and the line of the group's first row,
/// which is stable from run to run and so can serve as a row id.
public struct AggregatedRow: Sendable, Equatable {
    public var values: [Value]
    public var firstLine: Int

    public init(values: [Value], firstLine: Int) {
        self.values = values
        self.firstLine = firstLine
    }
}

/// Folds the mapped rows of an import into one row per group (a profile's
/// `aggregate:`), on the writer's thread: not thread-safe.
///
/// Memory is one entry per distinct key, whatever the number of rows. The
/// functions behave as SQL's: `count` counts rows, `sum`, `min` and `max`
/// skip NULLs and are NULL when a group has only NULLs.
///
/// Types: the `by` columns keep theirs; `count` is an integer; `sum` of an
/// integer column is an integer, and a sum that overflows 64 bits is an
/// error rather than a silent switch to a rounded real (the column's type is
/// decided before the first row, and an import must not lose digits
/// quietly); `sum` of a real or decimal column is a real (decimals are added
/// as `Double`); `min` and `max` keep the column's type, decimals compared
/// exactly.
public final class Aggregator {
    public let spec: AggregateSpec
    /// The output table's columns: the `by` columns, then the spec's columns.
    public let outputColumns: [(name: String, type: ColumnType)]

    private enum Operation {
        case count
        case sumInteger(input: Int)
        case sumReal(input: Int)
        case min(input: Int, type: ColumnType)
        case max(input: Int, type: ColumnType)
    }

    private let inputNames: [String]
    private let keyIndexes: [Int]
    private let operations: [Operation]
    private var groupOf: [[Value]: Int] = [:]
    private var keys: [[Value]] = []
    private var firstLines: [Int] = []
    /// Per group, one running value per operation, flat.
    private var states: [Value] = []
    private var scratch: [Value] = []

    /// `columns` are the mapped rows' columns, in order (an `ImportPlan`'s).
    public init(spec: AggregateSpec, columns: [(name: String, type: ColumnType)]) throws(AggregationError) {
        self.spec = spec
        inputNames = columns.map(\.name)
        let matcher = HeaderMatcher(names: columns.map(\.name))
        func resolve(_ name: String, for what: String) throws(AggregationError) -> Int {
            guard let index = matcher.index(of: name) else {
                throw AggregationError(message: "\(what): '\(name)' is not a column of the import (\(columns.map(\.name).joined(separator: ", ")))")
            }
            return index
        }
        guard !spec.by.isEmpty else { throw AggregationError(message: "aggregate.by is empty: name at least one column to group by") }
        var keyIndexes: [Int] = []
        var outputs: [(name: String, type: ColumnType)] = []
        for name in spec.by {
            let index = try resolve(name, for: "aggregate.by")
            keyIndexes.append(index)
            outputs.append((columns[index].name, columns[index].type))
        }
        var operations: [Operation] = []
        for column in spec.columns {
            let what = "aggregate column '\(column.name)'"
            switch column.function {
            case .count:
                operations.append(.count)
                outputs.append((column.name, .integer))
            case .sum(let name):
                let input = try resolve(name, for: what)
                switch columns[input].type {
                case .integer:
                    operations.append(.sumInteger(input: input))
                    outputs.append((column.name, .integer))
                case .real, .decimal:
                    operations.append(.sumReal(input: input))
                    outputs.append((column.name, .real))
                case let type:
                    throw AggregationError(message: "\(what): sum needs an integer, real or decimal column; '\(name)' is \(type.rawValue)")
                }
            case .min(let name):
                let input = try resolve(name, for: what)
                operations.append(.min(input: input, type: columns[input].type))
                outputs.append((column.name, columns[input].type))
            case .max(let name):
                let input = try resolve(name, for: what)
                operations.append(.max(input: input, type: columns[input].type))
                outputs.append((column.name, columns[input].type))
            }
        }
        self.keyIndexes = keyIndexes
        self.operations = operations
        self.outputColumns = outputs
        scratch = Array(repeating: .null, count: operations.count)
    }

    public convenience init(spec: AggregateSpec, plan: ImportPlan) throws(AggregationError) {
        try self.init(spec: spec, columns: plan.columns.map { ($0.name, $0.type) })
    }

    /// Number of groups so far.
    public var groupCount: Int { keys.count }

    /// Adds one good row (`MappedBatch.row(i)`); `line` is its record's line,
    /// for the group's first line and for errors. A row that fails (a sum
    /// that overflows) changes nothing.
    public func add(row: ArraySlice<Value>, line: Int) throws(AggregationError) {
        let base = row.startIndex
        let key = keyIndexes.map { row[base + $0] }
        let group = groupOf[key]
        let stateBase = (group ?? keys.count) * operations.count
        for (position, operation) in operations.enumerated() {
            let current = group == nil ? initial(operation) : states[stateBase + position]
            scratch[position] = try fold(current, position, row: row, line: line, key: key)
        }
        if group == nil {
            groupOf[key] = keys.count
            keys.append(key)
            firstLines.append(line)
            states.append(contentsOf: scratch)
        } else {
            for position in operations.indices { states[stateBase + position] = scratch[position] }
        }
    }

    /// The groups in the order their first rows came.
    public func rows() -> [AggregatedRow] {
        keys.indices.map { group in
            let start = group * operations.count
            return AggregatedRow(values: keys[group] + states[start..<(start + operations.count)], firstLine: firstLines[group])
        }
    }

    private func initial(_ operation: Operation) -> Value {
        if case .count = operation { return .integer(0) }
        return .null
    }

    private func fold(_ current: Value, _ position: Int, row: ArraySlice<Value>, line: Int, key: [Value]) throws(AggregationError) -> Value {
        let base = row.startIndex
        switch operations[position] {
        case .count:
            guard case .integer(let count) = current else { return .integer(1) }
            return .integer(count + 1)
        case .sumInteger(let input):
            let value = row[base + input]
            if value.isNull { return current }
            guard case .integer(let addend) = value else {
                throw AggregationError(line: line, message: "\(describe(position)): '\(value.textValue ?? "")' is not an integer")
            }
            guard case .integer(let sum) = current else { return value }
            let (total, overflow) = sum.addingReportingOverflow(addend)
            if overflow {
                throw AggregationError(line: line, message: "\(describe(position)) overflows a 64-bit integer in the group \(describe(key: key))")
            }
            return .integer(total)
        case .sumReal(let input):
            let value = row[base + input]
            if value.isNull { return current }
            guard let addend = value.number else {
                throw AggregationError(line: line, message: "\(describe(position)): '\(value.textValue ?? "")' is not a number")
            }
            return .real((current.number ?? 0) + addend)
        case .min(let input, let type):
            let value = row[base + input]
            return !value.isNull && (current.isNull || AggregationOrder.precedes(value, current, type: type)) ? value : current
        case .max(let input, let type):
            let value = row[base + input]
            return !value.isNull && (current.isNull || AggregationOrder.precedes(current, value, type: type)) ? value : current
        }
    }

    /// `aggregate column 'total': sum(bytes)`, for messages.
    private func describe(_ position: Int) -> String {
        let column = spec.columns[position]
        return "aggregate column '\(column.name)': \(column.function)"
    }

    private func describe(key: [Value]) -> String {
        zip(keyIndexes, key).map { "\(inputNames[$0]) = \($1.textValue ?? "NULL")" }.joined(separator: ", ")
    }
}
