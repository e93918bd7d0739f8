/// A value while a rule is being worked out: what a cell holds, or a truth
/// value, which cells never hold but comparisons produce.
enum RuleValue: Sendable, Equatable {
    case null
    case boolean(Bool)
    case integer(Int64)
    case real(Double)
    case text(String)

    /// A cell's value. NaN has no place in a comparison, so it counts as
    /// unknown, as SQLite stores it.
    init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .integer(let integer): self = .integer(integer)
        case .real(let real): self = real.isNaN ? .null : .real(real)
        case .text(let text): self = .text(text)
        }
    }

    var isNull: Bool { if case .null = self { true } else { false } }

    /// The value as an operand of `+ - * /`: numbers, and text that reads as
    /// a number (decimals travel as text). Truth values are not numbers.
    var arithmeticNumber: RuleNumber? {
        switch self {
        case .integer(let integer): .integer(integer)
        case .real(let real): .real(real)
        case .text(let text): RuleNumber(reading: text)
        case .boolean, .null: nil
        }
    }

    /// The value as a side of a numeric comparison. Truth values count as 1
    /// and 0 here because boolean columns reach rules as those integers, so
    /// `active = true` must hold when `active` is 1.
    var comparableNumber: RuleNumber? {
        if case .boolean(let truth) = self { return .integer(truth ? 1 : 0) }
        return arithmeticNumber
    }

    /// How the value is written in a rule.
    var literal: String {
        switch self {
        case .null: "null"
        case .boolean(let truth): truth ? "true" : "false"
        case .integer(let integer): String(integer)
        case .real(let real): real.isInfinite ? (real < 0 ? "-1e999" : "1e999") : String(real)
        case .text(let text): "'" + String(text.flatMap { $0 == "'" ? "''" : String($0) }) + "'"
        }
    }

    /// The value named in an error message, with long text cut short so the
    /// message stays readable in a rejects file.
    var described: String {
        switch self {
        case .null: "null"
        case .boolean(let truth): truth ? "true" : "false"
        case .integer, .real: "the number \(literal)"
        case .text(let text):
            text.count > 40 ? "the text " + RuleValue.text(String(text.prefix(40))).literal + "…" : "the text \(literal)"
        }
    }
}
