/// One field of a partition key, and how the mapper will read it.
///
/// Rows that the aggregator puts in one group must land in one bucket, and
/// the aggregator groups by typed values, not by text: `-0` and `0` are the
/// same integer, `yes` and `true` the same boolean, an empty field of a
/// column with a default is that default. So the partitioner hashes each
/// key field the way the mapper will read it (see `ValueChecker`): its
/// canonical text as its column's type. For a text column that is simply
/// the decoded field.
public struct PartitionKeyField: Sendable, Equatable {
    /// Position of the field in the record (0-based).
    public var index: Int
    /// The type of the column the field feeds.
    public var type: ColumnType
    /// The column's default, which an empty field takes.
    public var defaultValue: String?

    public init(index: Int, type: ColumnType = .text, defaultValue: String? = nil) {
        self.index = index
        self.type = type
        self.defaultValue = defaultValue
    }

    /// Adds this field's canonical text to `hash`; `bytes` is the decoded
    /// field, nil for NULL. A field that will not parse as its type is hashed
    /// as it is: the mapper rejects its row, so any bucket will do.
    @inline(__always)
    func combine(_ bytes: UnsafeBufferPointer<UInt8>?, into hash: inout PartitionHash) {
        // As the mapper reads it: empty is NULL for every type but text, and NULL takes the default.
        guard let bytes, !bytes.isEmpty || type == .text else {
            if let defaultValue { hash.combine(canonical(defaultValue) ?? defaultValue) }
            return
        }
        switch type {
        case .text, .json:
            hash.combine(bytes)
        case .integer:
            // `ValueParser.integer` takes only canonical digits, but for `-0`.
            if ValueParser.integer(bytes: bytes) == 0 { hash.combine(UInt8(ascii: "0")) } else { hash.combine(bytes) }
        case .real, .decimal, .boolean, .date, .timestamp:
            if let text = FieldDecoder.text(bytes), let canonical = canonical(text) {
                hash.combine(canonical)
            } else {
                hash.combine(bytes)
            }
        }
    }

    private func canonical(_ text: String) -> String? {
        ValueParser.parse(text, as: type)?.textValue
    }
}

extension ImportPlan {
    /// The partition key for grouping by the target columns `names` (an
    /// aggregate's `by`), as fields of the input's records. A column that no
    /// field feeds is left out: it has the same value in every row, so it
    /// cannot separate two groups.
    public func partitionKey(by names: [String], file: String) throws(PlanError) -> [PartitionKeyField] {
        let matcher = HeaderMatcher(names: columns.map(\.name))
        var fields: [PartitionKeyField] = []
        for name in names {
            guard let index = matcher.index(of: name) else {
                throw PlanError(file: file, message: "aggregate: '\(name)' is not a column of the import (\(columns.map(\.name).joined(separator: ", ")))")
            }
            let column = columns[index]
            guard let source = column.source else { continue }
            fields.append(PartitionKeyField(index: source, type: column.type, defaultValue: column.spec?.defaultValue))
        }
        return fields
    }
}
