/// The fast path for one column: the common cases (a number that parses, a
/// text that is valid UTF-8, an empty optional field, a value within `min`,
/// `max` and `in`) decided from the field's bytes, with no `String` made for
/// numbers and no reference counting. Anything else — defaults, required,
/// patterns, widening, and every error — returns nil and goes to
/// `ValueChecker`, which says exactly what is wrong.
struct ColumnProgram {
    var source: Int
    var type: ColumnType
    /// An empty field needs the slow path: it has a default or is required.
    var emptyIsSlow: Bool
    var min: Double?
    var max: Double?
    /// Index of the column's allowed values in `RowMapper.allowedValues`, or -1.
    var allowedIndex: Int
    /// Patterns are matched on the slow path only.
    var hasPattern: Bool

    init(_ column: TargetColumn, allowedIndex: Int) {
        source = column.source ?? -1
        type = column.type
        emptyIsSlow = column.spec.map { $0.required || $0.defaultValue != nil } ?? false
        min = column.spec?.min
        max = column.spec?.max
        self.allowedIndex = allowedIndex
        hasPattern = column.spec?.pattern != nil
    }

    @inline(__always)
    func fastValue(_ bytes: UnsafeBufferPointer<UInt8>?, allowed: UnsafeBufferPointer<AllowedTexts>) -> Value? {
        guard let bytes, !bytes.isEmpty || type == .text else { return emptyIsSlow ? nil : .null }
        if hasPattern { return nil }
        let value: Value?
        switch type {
        case .json:
            return nil  // validated on the slow path
        case .text:
            guard let text = FieldDecoder.text(bytes) else { return nil }
            if bytes.isEmpty && emptyIsSlow { return nil }
            if allowedIndex >= 0 && !allowed[allowedIndex].admits(bytes, text: text) { return nil }
            return .text(text)
        case .integer: value = ValueParser.integer(bytes: bytes).map(Value.integer)
        case .real: value = ValueParser.real(bytes: bytes).map(Value.real)
        case .decimal: value = ValueParser.decimal(bytes: bytes).map(Value.text)
        case .boolean, .date, .timestamp: return nil
        }
        guard let value, allowedIndex < 0 else { return nil }
        if min != nil || max != nil {
            guard let number = type == .decimal ? ValueParser.exactDecimalNumber(bytes) ?? value.number : value.number else { return nil }
            if let min, number < min { return nil }
            if let max, number > max { return nil }
        }
        return value
    }
}
