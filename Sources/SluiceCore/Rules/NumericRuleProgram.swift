/// A rule compiled to a flat list of steps over numbers, for the rows whose
/// columns hold only numbers and NULLs — nearly every row of a typical
/// import, where rules compare integer and decimal columns.
///
/// Walking the `RuleNode` tree costs reference counting at every node, which
/// showed as an eighth of the client's CPU samples in profiles. The steps here are
/// trivial values run on a small stack, with no allocation.
///
/// It decides only what it can decide exactly as `RuleEvaluator` would, and
/// answers nil otherwise (a text or NaN cell, a number used as a truth): the
/// caller then asks the evaluator, which also words any error. Only trees
/// in which no step can fail on numbers compile at all; that is why the
/// order of evaluation, which short-circuits in the evaluator and not here,
/// makes no difference.
struct NumericRuleProgram: Sendable {
    private enum Step: Sendable {
        case number(RuleNumber)
        case null
        case column(position: Int)
        /// A column used as a condition: 0 and 1 are truths, as in the evaluator.
        case columnTruth(position: Int)
        case negate
        case arithmetic(RuleArithmeticOperator)
        case comparison(RuleComparisonOperator)
        case all(terms: Int)
        case any(terms: Int)
        case not
    }

    /// A value on the stack: what a step produced.
    private enum Slot {
        case null
        case truth(Bool)
        case number(RuleNumber)
    }

    private let steps: [Step]
    private let depth: Int
    /// One more than the highest row position read.
    private let columnsNeeded: Int

    /// Nil when the rule uses something beyond numbers and logic (a text or
    /// truth constant, a truth compared or added, a number as a condition).
    init?(_ root: RuleNode, positions: [Int]) {
        var steps: [Step] = []
        var depth = 0, maxDepth = 0
        func push() { depth += 1; maxDepth = max(maxDepth, depth) }
        /// Compiles a node that must give a number (or NULL).
        func number(_ node: RuleNode) -> Bool {
            switch node {
            case .constant(.integer(let value)): steps.append(.number(.integer(value))); push()
            case .constant(.real(let value)): steps.append(.number(.real(value))); push()
            case .constant(.null): steps.append(.null); push()
            case .column(let slot): steps.append(.column(position: positions[slot])); push()
            case .negate(let operand):
                guard number(operand) else { return false }
                steps.append(.negate)
            case .arithmetic(let op, let left, let right):
                guard number(left), number(right) else { return false }
                steps.append(.arithmetic(op)); depth -= 1
            default: return false
            }
            return true
        }
        /// Compiles a node that must give a truth (or NULL).
        func truth(_ node: RuleNode) -> Bool {
            switch node {
            case .column(let slot): steps.append(.columnTruth(position: positions[slot])); push()
            case .comparison(let op, let left, let right):
                guard number(left), number(right) else { return false }
                steps.append(.comparison(op)); depth -= 1
            case .all(let terms), .any(let terms):
                guard !terms.isEmpty else { return false }
                for term in terms { guard truth(term) else { return false } }
                if case .all = node { steps.append(.all(terms: terms.count)) } else { steps.append(.any(terms: terms.count)) }
                depth -= terms.count - 1
            case .not(let operand):
                guard truth(operand) else { return false }
                steps.append(.not)
            default: return false
            }
            return true
        }
        guard truth(root), positions.allSatisfy({ $0 >= 0 }) else { return nil }
        self.steps = steps
        self.columnsNeeded = (positions.max() ?? -1) + 1
        self.depth = maxDepth
    }

    /// The rule's outcome on `row`, or nil when this row needs the evaluator.
    func outcome(_ row: UnsafeBufferPointer<Value>) -> RuleOutcome? {
        guard row.count >= columnsNeeded else { return nil }  // the evaluator words the missing column
        return steps.withUnsafeBufferPointer { steps in run(steps, on: row) }
    }

    private func run(_ steps: UnsafeBufferPointer<Step>, on row: UnsafeBufferPointer<Value>) -> RuleOutcome? {
        withUnsafeTemporaryAllocation(of: Slot.self, capacity: depth) { stack -> RuleOutcome? in
            var top = 0  // number of slots in use
            for step in steps {
                switch step {
                case .number(let number): stack[top] = .number(number); top += 1
                case .null: stack[top] = .null; top += 1
                case .column(let position):
                    switch row[position] {
                    case .null: stack[top] = .null
                    case .integer(let integer): stack[top] = .number(.integer(integer))
                    case .real(let real): stack[top] = real.isNaN ? .null : .number(.real(real))
                    case .text: return nil
                    }
                    top += 1
                case .columnTruth(let position):
                    switch row[position] {
                    case .null: stack[top] = .null
                    case .integer(let integer) where integer == 0 || integer == 1: stack[top] = .truth(integer == 1)
                    default: return nil
                    }
                    top += 1
                case .negate:
                    if case .number(let number) = stack[top - 1] { stack[top - 1] = Self.slot(number.negated) }
                case .arithmetic(let op):
                    top -= 1
                    if case .number(let a) = stack[top - 1], case .number(let b) = stack[top] {
                        stack[top - 1] = Self.slot(a.applying(op, b))
                    } else {
                        stack[top - 1] = .null
                    }
                case .comparison(let op):
                    top -= 1
                    if case .number(let a) = stack[top - 1], case .number(let b) = stack[top] {
                        stack[top - 1] = .truth(op.holds(for: a.order(comparedTo: b)))
                    } else {
                        stack[top - 1] = .null
                    }
                case .all(let terms), .any(let terms):
                    let decisive: Bool
                    if case .all = step { decisive = false } else { decisive = true }
                    var decided = false, unknown = false
                    for index in (top - terms)..<top {
                        switch stack[index] {
                        case .truth(let truth): if truth == decisive { decided = true }
                        default: unknown = true
                        }
                    }
                    top -= terms - 1
                    stack[top - 1] = decided ? .truth(decisive) : (unknown ? .null : .truth(!decisive))
                case .not:
                    if case .truth(let truth) = stack[top - 1] { stack[top - 1] = .truth(!truth) }
                }
            }
            if case .truth(false) = stack[0] { return .fail }
            return .pass
        }
    }

    private static func slot(_ value: RuleValue) -> Slot {
        switch value {
        case .integer(let integer): .number(.integer(integer))
        case .real(let real): .number(.real(real))
        default: .null  // arithmetic gives only numbers or NULL
        }
    }
}
