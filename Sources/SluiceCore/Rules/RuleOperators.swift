/// How tightly operators bind, weakest first. Comparison does not chain:
/// `a < b < c` is refused rather than read as `(a < b) < c`.
enum RulePrecedence: Int, Comparable, Sendable {
    case lowest, or, and, not, comparison, additive, multiplicative, sign

    static func < (a: RulePrecedence, b: RulePrecedence) -> Bool { a.rawValue < b.rawValue }
}

/// An operator written between two operands.
enum RuleBinaryOperator: Sendable {
    case or, and
    case comparison(RuleComparisonOperator)
    case arithmetic(RuleArithmeticOperator)

    /// The operator a token spells, or nil if it is not a binary operator.
    init?(_ token: RuleToken) {
        switch token {
        case .keyword(.or): self = .or
        case .keyword(.and): self = .and
        case .symbol(.equal): self = .comparison(.equal)
        case .symbol(.notEqual): self = .comparison(.notEqual)
        case .symbol(.less): self = .comparison(.less)
        case .symbol(.lessOrEqual): self = .comparison(.lessOrEqual)
        case .symbol(.greater): self = .comparison(.greater)
        case .symbol(.greaterOrEqual): self = .comparison(.greaterOrEqual)
        case .symbol(.plus): self = .arithmetic(.add)
        case .symbol(.minus): self = .arithmetic(.subtract)
        case .symbol(.times): self = .arithmetic(.multiply)
        case .symbol(.divide): self = .arithmetic(.divide)
        default: return nil
        }
    }

    var precedence: RulePrecedence {
        switch self {
        case .or: .or
        case .and: .and
        case .comparison: .comparison
        case .arithmetic(.add), .arithmetic(.subtract): .additive
        case .arithmetic(.multiply), .arithmetic(.divide): .multiplicative
        }
    }
}

enum RuleArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

enum RuleComparisonOperator: String, Sendable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    /// Whether two values that compare as `order` (negative, zero, positive)
    /// satisfy the operator.
    func holds(for order: Int) -> Bool {
        switch self {
        case .equal: order == 0
        case .notEqual: order != 0
        case .less: order < 0
        case .lessOrEqual: order <= 0
        case .greater: order > 0
        case .greaterOrEqual: order >= 0
        }
    }
}
