/// Gives one field's text its column's type and applies the column's checks.
enum ValueChecker {
    static func value(of field: String?, for column: TargetColumn, widened: inout ColumnType?) -> Result<Value, RowError> {
        var text = field
        // An empty string means "no value" for every type but text (not valid JSON either).
        if text?.isEmpty == true && column.type != .text { text = nil }
        if text == nil, let fallback = column.spec?.defaultValue { text = fallback }
        guard let text else {
            if column.spec?.required == true {
                return .failure(RowError(kind: .cast, column: column.name, message: "column '\(column.name)' is required but empty"))
            }
            return .success(.null)
        }
        let value: Value
        if let typed = ValueParser.parse(text, as: widened ?? column.type) {
            value = typed
        } else if column.widens {
            let wider = (widened ?? column.type).widened(with: ValueParser.sniff(text))
            widened = wider
            value = ValueParser.parse(text, as: wider) ?? .text(text)
        } else {
            return .failure(RowError(kind: .cast, column: column.name, value: text,
                                     message: "column '\(column.name)': '\(text.clipped)' is not \(column.type.article) \(column.type.rawValue)"))
        }
        if let spec = column.spec, let problem = problem(with: value, text: text, spec: spec) {
            return .failure(RowError(kind: .cast, column: column.name, value: text, message: "column '\(column.name)': \(problem)"))
        }
        return .success(value)
    }

    private static func problem(with value: Value, text: String, spec: ColumnSpec) -> String? {
        if let min = spec.min, let number = value.number, number < min { return "\(text.clipped) is less than the minimum \(format(min))" }
        if let max = spec.max, let number = value.number, number > max { return "\(text.clipped) is more than the maximum \(format(max))" }
        if let allowed = spec.allowed, !allowed.contains(value.textValue ?? text) {
            return "'\(text.clipped)' is not one of \(allowed.joined(separator: ", "))"
        }
        if let pattern = spec.pattern, !pattern.matches(text) { return "'\(text.clipped)' does not match the pattern \(pattern.source)" }
        return nil
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

extension ColumnType {
    var article: String { self == .integer ? "an" : "a" }
}

extension String {
    /// At most 60 characters, for messages.
    var clipped: String { count <= 60 ? self : String(prefix(57)) + "..." }
}
