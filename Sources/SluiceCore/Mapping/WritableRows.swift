/// Rows ready for a table, as a driver's writer takes them: typed values
/// row after row, and for each row the input line it stands for.
///
/// Two kinds exist: a batch of mapped records (`MappedBatch`), and the
/// groups of an aggregating import (`GroupedRows`). Writers are generic
/// over this protocol, so the per-row work stays specialised.
public protocol WritableRows {
    var rowCount: Int { get }
    var columnCount: Int { get }
    /// Row after row, `columnCount` values each.
    var values: [Value] { get }
    /// The input line of row `row`: its record's, or its group's first.
    func line(ofRow row: Int) -> Int
    /// Row `row`, which the database refused, as a rejection.
    func rejection(ofRow row: Int, error: RowError) -> Rejection
}

extension MappedBatch: WritableRows {
    @inlinable
    public func line(ofRow row: Int) -> Int { source.records[Int(recordIndexes[row])].line }
}

/// The groups of an aggregating import, one row each, in the order their
/// first records came in the input.
public struct GroupedRows: WritableRows, Sendable {
    public let columnCount: Int
    public private(set) var values: [Value] = []
    /// Per group, the line of its first record: stable from run to run, and
    /// unique within one input, so it orders and identifies the group.
    public private(set) var firstLines: [Int] = []

    public init(columnCount: Int, rows: [AggregatedRow] = []) {
        self.columnCount = columnCount
        values.reserveCapacity(rows.count * columnCount)
        for row in rows { append(row) }
    }

    public mutating func append(_ row: AggregatedRow) {
        precondition(row.values.count == columnCount, "a group's width differs from its columns'")
        values.append(contentsOf: row.values)
        firstLines.append(row.firstLine)
    }

    public var rowCount: Int { firstLines.count }

    public func line(ofRow row: Int) -> Int { firstLines[row] }

    /// A group the database refused. It has no one record of its own: the
    /// rejection points at its first line, and its fields are its values.
    public func rejection(ofRow row: Int, error: RowError) -> Rejection {
        let fields = values[(row * columnCount)..<((row + 1) * columnCount)].map(\.textValue)
        return Rejection(line: firstLines[row], byteOffset: 0,
                         original: "(the group whose first row is on line \(firstLines[row]))", fields: fields, errors: [error])
    }
}
