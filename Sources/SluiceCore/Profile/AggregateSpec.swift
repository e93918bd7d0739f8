import Foundation

/// A profile's `aggregate:` section: the import writes one row per distinct
/// value of `by`, with the aggregated columns, instead of one row per record.
///
///     aggregate:
///       by: [node_id]
///       columns:
///         sessions: count
///         total_invoice: sum(invoice_amount)
///
/// `by` is also the partition key of a chunked import (the `hash` strategy):
/// every row of a group must reach the same chunk to be aggregated once.
public struct AggregateSpec: Sendable, Equatable {
    /// The group key: names of the profile's columns.
    public var by: [String]
    /// The output columns after the `by` columns, in the profile's order.
    public var columns: [AggregateColumn]

    public init(by: [String], columns: [AggregateColumn] = []) {
        self.by = by
        self.columns = columns
    }
}

/// One output column of an aggregate and the function that makes it.
public struct AggregateColumn: Sendable, Equatable {
    public var name: String
    public var function: AggregateFunction

    public init(name: String, function: AggregateFunction) {
        self.name = name
        self.function = function
    }
}

/// What an aggregate column computes over the rows of a group. As in SQL,
/// `count` counts rows, and `sum`, `min` and `max` skip NULLs (and are NULL
/// when every value is).
public enum AggregateFunction: Sendable, Equatable, CustomStringConvertible {
    case count
    case sum(String)
    case min(String)
    case max(String)

    /// The column the function reads, if any.
    public var argument: String? {
        switch self {
        case .count: return nil
        case .sum(let column), .min(let column), .max(let column): return column
        }
    }

    /// As written in a profile: `count`, `sum(amount)`.
    public var description: String {
        switch self {
        case .count: return "count"
        case .sum(let column): return "sum(\(column))"
        case .min(let column): return "min(\(column))"
        case .max(let column): return "max(\(column))"
        }
    }

    /// How to write the functions, for messages.
    public static let syntax = "count, sum(column), min(column) or max(column)"

    /// Reads `count`, `count()`, `count(*)`, `sum(c)`, `min(c)`, `max(c)`
    /// (names in any case, spaces allowed around the parts). Returns nil for
    /// anything else; `argumentOffset` is where the column name starts in
    /// `text`, to point at it in errors.
    public static func parse(_ text: String) -> (function: AggregateFunction, argumentOffset: Int?)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lead = text.prefix { $0 == " " || $0 == "\t" }.count
        guard let open = trimmed.firstIndex(of: "(") else {
            return trimmed.lowercased() == "count" ? (.count, nil) : nil
        }
        guard trimmed.last == ")" else { return nil }
        let name = trimmed[..<open].trimmingCharacters(in: .whitespaces).lowercased()
        let inside = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        let argument = inside.trimmingCharacters(in: .whitespaces)
        guard !argument.contains("("), !argument.contains(")") else { return nil }
        if name == "count" { return argument.isEmpty || argument == "*" ? (.count, nil) : nil }
        guard !argument.isEmpty else { return nil }
        let offset = lead + trimmed.distance(from: trimmed.startIndex, to: inside.startIndex)
            + inside.prefix { $0 == " " || $0 == "\t" }.count
        switch name {
        case "sum": return (.sum(argument), offset)
        case "min": return (.min(argument), offset)
        case "max": return (.max(argument), offset)
        default: return nil
        }
    }
}
