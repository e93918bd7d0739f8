/// A batch after mapping: the good rows as typed values, and the rejected
/// records with their reasons. Rows keep their input order.
public struct MappedBatch: Sendable {
    public var sequence: Int
    public var columnCount: Int
    /// Row after row, `columnCount` values each.
    public var values: [Value] = []
    /// For each good row, the index of its record in `source`.
    public var recordIndexes: [Int32] = []
    public var rejections: [Rejection] = []
    /// Records read in this batch (good and rejected).
    public var recordsRead: Int
    public var bytesConsumed: Int64
    /// Per column, the wider type a value needed, when the column widens.
    public var widenedTypes: [ColumnType?]
    /// The records, kept so that a row the database refuses can still be
    /// reported with its original text.
    public var source: RecordBatch
    /// How the source's fields are decoded, to report a refused row's fields.
    public var decoder = FieldDecoder()
    /// The good rows as the writer's database takes them in bulk, made on
    /// the mapping thread when the session has a `BatchEncoder`.
    public var encoded: (any EncodedRows)?

    public init(source: RecordBatch, columnCount: Int) {
        self.sequence = source.sequence
        self.columnCount = columnCount
        self.recordsRead = source.count
        self.bytesConsumed = source.bytesConsumed
        self.widenedTypes = Array(repeating: nil, count: columnCount)
        self.source = source
    }

    public var rowCount: Int { recordIndexes.count }

    /// The values of good row `row`.
    public func row(_ row: Int) -> ArraySlice<Value> {
        values[(row * columnCount)..<((row + 1) * columnCount)]
    }

    /// A good row that the database then refused, as a rejection with its original text.
    public func rejection(ofRow row: Int, error: RowError) -> Rejection {
        RowMapper.rejection(source.records[Int(recordIndexes[row])], in: source, decoder: decoder, errors: [error])
    }
}
