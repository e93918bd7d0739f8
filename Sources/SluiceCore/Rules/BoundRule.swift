/// What a rule made of one row.
public enum RuleOutcome: Sendable, Equatable {
    /// True, or unknown because of a NULL, as with a SQL CHECK constraint.
    case pass
    /// False.
    case fail
    /// The rule could not be worked out for this row: arithmetic on text
    /// that is not a number, comparing text with a number, or a rule whose
    /// result is not true or false. The message says which.
    case error(String)
}

/// A rule whose column names have been turned into row positions, made once
/// per import so that evaluating a row is only lookups and arithmetic.
public struct BoundRule: Sendable {
    let root: RuleNode
    /// Row position of each of the rule's distinct columns, by slot.
    let positions: [Int]
    /// Names of those columns, for error messages.
    let names: [String]
    /// The fast path for rows of numbers, when the rule compiles to one.
    let program: NumericRuleProgram?

    init(root: RuleNode, positions: [Int], names: [String]) {
        self.root = root
        self.positions = positions
        self.names = names
        self.program = NumericRuleProgram(root, positions: positions)
    }

    /// Works out the rule for one row, whose first element is the import's
    /// first column (the slice may start at any index).
    public func evaluate(_ row: ArraySlice<Value>) -> RuleOutcome {
        if let program, let outcome = row.withUnsafeBufferPointer({ program.outcome($0) }) { return outcome }
        return RuleEvaluator(row: row, positions: positions, names: names).outcome(of: root)
    }

    /// Works out the rule for one row held in an array.
    public func evaluate(_ row: [Value]) -> RuleOutcome {
        evaluate(row[...])
    }
}
