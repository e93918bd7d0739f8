/// A number in a rule: integers stay exact as long as they fit 64 bits and
/// only become reals when they must, as in SQLite.
enum RuleNumber: Sendable {
    case integer(Int64)
    case real(Double)

    var asDouble: Double {
        switch self {
        case .integer(let integer): Double(integer)
        case .real(let real): real
        }
    }

    /// A number written as text, in the plain decimal forms a rule itself
    /// accepts (`-12`, `14.50`, `1e3`). Unlike `Double(_:)` this refuses
    /// `nan`, `inf` and hexadecimal, which are words, not amounts, in data.
    init?(reading text: String) {
        guard let isInteger = RuleNumber.decimalForm(text) else { return nil }
        if isInteger, let integer = Int64(text) {
            self = .integer(integer)
        } else if let real = Double(text), !real.isNaN {
            self = .real(real)
        } else {
            return nil
        }
    }

    /// Whether `text` is `[+-]digits[.digits][e[+-]digits]`: nil if not,
    /// true if it is a plain integer, false if it has a fraction or exponent.
    private static func decimalForm(_ text: String) -> Bool? {
        enum Part { case start, sign, whole, point, fraction, exponentMark, exponentSign, exponent }
        var part = Part.start
        var hasDigits = false
        for byte in text.utf8 {
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            switch part {
            case .start where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-"):
                part = .sign
            case .start where isDigit, .sign where isDigit, .whole where isDigit:
                part = .whole
                hasDigits = true
            case .start where byte == UInt8(ascii: "."), .sign where byte == UInt8(ascii: "."), .whole where byte == UInt8(ascii: "."):
                part = .point
            case .point where isDigit, .fraction where isDigit:
                part = .fraction
                hasDigits = true
            case .whole, .point, .fraction:
                guard hasDigits, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") else { return nil }
                part = .exponentMark
            case .exponentMark where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-"):
                part = .exponentSign
            case .exponentMark where isDigit, .exponentSign where isDigit, .exponent where isDigit:
                part = .exponent
            default:
                return nil
            }
        }
        switch part {
        case .whole: return true
        case .point, .fraction: return hasDigits ? false : nil
        case .exponent: return false
        case .start, .sign, .exponentMark, .exponentSign: return nil
        }
    }
}

// MARK: Arithmetic

extension RuleNumber {
    /// The result of `self op other`. Integer results that overflow are
    /// redone in reals; division by zero and NaN results are unknown (NULL)
    /// rather than errors, so one odd row is judged by the rule, not the engine.
    func applying(_ op: RuleArithmeticOperator, _ other: RuleNumber) -> RuleValue {
        if case .integer(let a) = self, case .integer(let b) = other, let exact = RuleNumber.exact(op, a, b) {
            return exact
        }
        let a = asDouble, b = other.asDouble
        let result: Double
        switch op {
        case .add: result = a + b
        case .subtract: result = a - b
        case .multiply: result = a * b
        case .divide:
            guard b != 0 else { return .null }
            result = a / b
        }
        return result.isNaN ? .null : .real(result)
    }

    /// Integer arithmetic when the answer is an integer that fits; nil to
    /// fall back to reals. Division is exact: `7 / 2` is 3.5, not 3, because
    /// rules compare ratios (`paid / total >= 0.5`) far more often than they
    /// want a truncated quotient.
    private static func exact(_ op: RuleArithmeticOperator, _ a: Int64, _ b: Int64) -> RuleValue? {
        let (value, overflow): (Int64, Bool)
        switch op {
        case .add: (value, overflow) = a.addingReportingOverflow(b)
        case .subtract: (value, overflow) = a.subtractingReportingOverflow(b)
        case .multiply: (value, overflow) = a.multipliedReportingOverflow(by: b)
        case .divide:
            guard b != 0 else { return .null }
            let (remainder, remainderOverflow) = a.remainderReportingOverflow(dividingBy: b)
            guard !remainderOverflow, remainder == 0 else { return nil }
            (value, overflow) = a.dividedReportingOverflow(by: b)
        }
        return overflow ? nil : .integer(value)
    }

    var negated: RuleValue {
        switch self {
        case .integer(let integer):
            let (value, overflow) = Int64(0).subtractingReportingOverflow(integer)
            return overflow ? .real(-Double(integer)) : .integer(value)
        case .real(let real): return .real(-real)
        }
    }
}

// MARK: Ordering

extension RuleNumber {
    /// Negative, zero or positive as `self` is below, equal to or above
    /// `other`, comparing integers with reals exactly rather than through a
    /// lossy conversion of large integers to Double.
    func order(comparedTo other: RuleNumber) -> Int {
        switch (self, other) {
        case (.integer(let a), .integer(let b)): a < b ? -1 : (a == b ? 0 : 1)
        case (.real(let a), .real(let b)): a < b ? -1 : (a == b ? 0 : 1)
        case (.integer(let a), .real(let b)): RuleNumber.order(a, b)
        case (.real(let a), .integer(let b)): -RuleNumber.order(b, a)
        }
    }

    private static func order(_ integer: Int64, _ real: Double) -> Int {
        if real >= 9_223_372_036_854_775_808.0 { return -1 }
        if real < -9_223_372_036_854_775_808.0 { return 1 }
        let floor = real.rounded(.down)
        let whole = Int64(floor)
        if integer != whole { return integer < whole ? -1 : 1 }
        return real > floor ? -1 : 0
    }
}
