/// Why a rule could not be worked out for a row. Only built on failure, so
/// the message costs nothing on rows that evaluate cleanly.
struct RuleEvaluationError: Error {
    var message: String
}

/// Works out one rule for one row, with SQL's rules for NULL: arithmetic and
/// comparison with NULL give NULL, and `and`, `or`, `not` use three-valued
/// logic. It holds only references to the row and the binding, so
/// evaluating allocates nothing unless there is an error to describe.
struct RuleEvaluator {
    let row: ArraySlice<Value>
    /// Row position of each column slot.
    let positions: [Int]
    /// Name of each column slot, for error messages.
    let names: [String]

    /// A rule passes when true or unknown, like a SQL CHECK constraint, so a
    /// missing value is left to the column's own `required` setting.
    func outcome(of root: RuleNode) -> RuleOutcome {
        do throws(RuleEvaluationError) {
            return try truth(of: root, for: nil) == false ? .fail : .pass
        } catch {
            return .error(error.message)
        }
    }

    /// Dispatches on the node, each case in its own small function, so a
    /// level of recursion costs little stack even in a debug build.
    func value(of node: RuleNode) throws(RuleEvaluationError) -> RuleValue {
        switch node {
        case .constant(let value): return value
        case .column(let slot): return try column(slot)
        case .negate(let operand): return try negation(of: operand)
        case .arithmetic(let op, let left, let right): return try arithmetic(op, left, right)
        case .comparison(let op, let left, let right): return try comparison(op, left, right)
        case .all(let terms): return try junction(terms, decidedBy: false, for: "and")
        case .any(let terms): return try junction(terms, decidedBy: true, for: "or")
        case .not(let operand): return try logicalNot(of: operand)
        }
    }

    private func negation(of operand: RuleNode) throws(RuleEvaluationError) -> RuleValue {
        let value = try value(of: operand)
        if value.isNull { return .null }
        guard let number = value.arithmeticNumber else { throw notANumber(value, from: operand, for: "-") }
        return number.negated
    }

    private func arithmetic(_ op: RuleArithmeticOperator, _ left: RuleNode, _ right: RuleNode) throws(RuleEvaluationError) -> RuleValue {
        let a = try value(of: left), b = try value(of: right)
        if a.isNull || b.isNull { return .null }
        guard let x = a.arithmeticNumber else { throw notANumber(a, from: left, for: op.rawValue) }
        guard let y = b.arithmeticNumber else { throw notANumber(b, from: right, for: op.rawValue) }
        return x.applying(op, y)
    }

    private func comparison(_ op: RuleComparisonOperator, _ left: RuleNode, _ right: RuleNode) throws(RuleEvaluationError) -> RuleValue {
        let a = try value(of: left), b = try value(of: right)
        if a.isNull || b.isNull { return .null }
        return .boolean(op.holds(for: try order(a, from: left, b, from: right)))
    }

    private func logicalNot(of operand: RuleNode) throws(RuleEvaluationError) -> RuleValue {
        guard let truth = try truth(of: operand, for: "not") else { return .null }
        return .boolean(!truth)
    }

    /// An `and` chain (decided by the first false term) or an `or` chain
    /// (decided by the first true one). Otherwise any unknown term makes the
    /// whole unknown, which is SQL's three-valued logic.
    private func junction(_ terms: [RuleNode], decidedBy decisive: Bool, for op: String) throws(RuleEvaluationError) -> RuleValue {
        var unknown = false
        for term in terms {
            let truth = try truth(of: term, for: op)
            if truth == decisive { return .boolean(decisive) }
            if truth == nil { unknown = true }
        }
        return unknown ? .null : .boolean(!decisive)
    }

    /// A value used as a condition: true, false, or nil for unknown. A column
    /// holding 0 or 1 counts too, since that is how boolean columns arrive;
    /// computed numbers do not, so `stop - start` is never taken for a truth.
    private func truth(of node: RuleNode, for op: String?) throws(RuleEvaluationError) -> Bool? {
        let value = try value(of: node)
        switch value {
        case .boolean(let truth): return truth
        case .null: return nil
        case .integer(let integer) where (integer == 0 || integer == 1) && node.isColumn: return integer == 1
        default:
            let what = phrase(value, from: node)
            guard let op else { throw RuleEvaluationError(message: "the rule must give true or false, not \(what)") }
            throw RuleEvaluationError(message: "'\(op)' needs true or false, not \(what)")
        }
    }

    /// Texts compare as text; anything else compares as numbers, which text
    /// can take part in only when it reads as one.
    private func order(_ a: RuleValue, from left: RuleNode, _ b: RuleValue, from right: RuleNode) throws(RuleEvaluationError) -> Int {
        if case .text(let x) = a, case .text(let y) = b { return x < y ? -1 : (x == y ? 0 : 1) }
        guard let x = a.comparableNumber, let y = b.comparableNumber else {
            throw RuleEvaluationError(message: "cannot compare \(phrase(a, from: left)) with \(phrase(b, from: right))")
        }
        return x.order(comparedTo: y)
    }

    private func column(_ slot: Int) throws(RuleEvaluationError) -> RuleValue {
        let position = positions[slot]
        guard position >= 0, position < row.count else {
            throw RuleEvaluationError(message: "column '\(names[slot])' is not in the row")
        }
        return RuleValue(row[row.startIndex + position])
    }

    private func notANumber(_ value: RuleValue, from node: RuleNode, for op: String) -> RuleEvaluationError {
        RuleEvaluationError(message: "'\(op)' needs numbers, not \(phrase(value, from: node))")
    }

    /// A value named for a message, with the column it came from if any.
    private func phrase(_ value: RuleValue, from node: RuleNode) -> String {
        if case .column(let slot) = node { return "column '\(names[slot])' (\(value.described))" }
        return value.described
    }
}

extension RuleNode {
    var isColumn: Bool { if case .column = self { true } else { false } }
}
