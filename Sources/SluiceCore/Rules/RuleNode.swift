/// The parsed form of a rule.
///
/// Columns are referred to by slot, the position of their name in the rule's
/// list of distinct names, so one tree serves every binding: binding only
/// has to map slots to row positions.
indirect enum RuleNode: Sendable {
    case constant(RuleValue)
    case column(slot: Int)
    case negate(RuleNode)
    case arithmetic(RuleArithmeticOperator, RuleNode, RuleNode)
    case comparison(RuleComparisonOperator, RuleNode, RuleNode)
    /// A chain of `and`: true when every term is. One node for the whole
    /// chain, so long chains do not make deep trees.
    case all([RuleNode])
    /// A chain of `or`: true when any term is.
    case any([RuleNode])
    case not(RuleNode)
}

extension RuleNode {
    /// The tree written back with every operation in parentheses, so tests
    /// and error reports can show how a rule was grouped.
    func parenthesized(names: [String]) -> String {
        switch self {
        case .constant(let value): return value.literal
        case .column(let slot): return names.indices.contains(slot) ? RuleNode.quotedIfNeeded(names[slot]) : "?"
        case .negate(let operand): return "(-\(operand.parenthesized(names: names)))"
        case .not(let operand): return "(not \(operand.parenthesized(names: names)))"
        case .arithmetic(let op, let left, let right): return binary(op.rawValue, left, right, names)
        case .comparison(let op, let left, let right): return binary(op.rawValue, left, right, names)
        case .all(let terms): return "(" + terms.map { $0.parenthesized(names: names) }.joined(separator: " and ") + ")"
        case .any(let terms): return "(" + terms.map { $0.parenthesized(names: names) }.joined(separator: " or ") + ")"
        }
    }

    private func binary(_ op: String, _ left: RuleNode, _ right: RuleNode, _ names: [String]) -> String {
        "(\(left.parenthesized(names: names)) \(op) \(right.parenthesized(names: names)))"
    }

    /// A name as it would have to be written in a rule to mean that column.
    static func quotedIfNeeded(_ name: String) -> String {
        var lexer = RuleLexer(name)
        if case .name(name)? = try? lexer.next().token, case .end? = try? lexer.next().token { return name }
        return "`" + String(name.flatMap { $0 == "`" ? "``" : String($0) }) + "`"
    }
}
