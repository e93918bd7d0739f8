/// Reads a rule by operator precedence over explicit stacks rather than by
/// recursion, so no input, however deeply parenthesized, can exhaust the
/// thread's stack while parsing.
///
/// Precedence from weakest: `or`, `and`, `not`, comparison (which does not
/// chain), `+ -`, `* /`, unary minus. Binary operators group from the left.
struct RuleParser {
    /// How deep the parsed tree may be. Evaluating, printing and freeing a
    /// tree recurse once per level, so this keeps them well inside even a
    /// 512 KiB thread stack in a debug build. Chains of `and` and `or` add
    /// only one level however long they are, and parentheses add none.
    static let maximumDepth = 64

    private var lexer: RuleLexer
    private var current: RuleLexedToken
    /// The token before `current`, for "expected an operand after '-'".
    private var previous: RuleLexedToken?
    private var operands: [RuleOperand] = []
    private var operators: [PendingOperator] = []
    private var openParentheses = 0
    private var references: [RuleColumnReference] = []
    private var slots: [String: Int] = [:]

    static func parse(_ source: String) throws(RuleSyntaxError) -> (RuleNode, [RuleColumnReference]) {
        var parser = try RuleParser(source)
        let root = try parser.rule()
        return (root, parser.references)
    }

    private init(_ source: String) throws(RuleSyntaxError) {
        lexer = RuleLexer(source)
        current = try lexer.next()
    }

    /// Alternates between expecting an operand (possibly after prefix
    /// operators and open parentheses) and expecting an operator (or closing
    /// parentheses), which is where every syntax error is noticed.
    private mutating func rule() throws(RuleSyntaxError) -> RuleNode {
        if case .end = current.token { throw RuleSyntaxError("the rule is empty", at: current.start) }
        while true {
            try readOperand()
            while case .symbol(.closeParenthesis) = current.token {
                try closeParenthesis()
            }
            if case .end = current.token { break }
            guard let op = RuleBinaryOperator(current.token) else { throw unexpectedAfterOperand() }
            try reduce(whileAtLeast: op.precedence, before: op)
            operators.append(PendingOperator(kind: .binary(op), token: try take()))
        }
        try reduce(whileAtLeast: .lowest, before: nil)
        guard operators.isEmpty, operands.count == 1, let result = operands.popLast() else {
            throw RuleSyntaxError("expected ')' to close '('", at: current.start)
        }
        return result.node
    }

    /// Prefix operators and open parentheses, then a name or literal.
    private mutating func readOperand() throws(RuleSyntaxError) {
        while true {
            switch current.token {
            case .symbol(.openParenthesis):
                openParentheses += 1
                operators.append(PendingOperator(kind: .open, token: try take()))
            case .symbol(.minus):
                operators.append(PendingOperator(kind: .negate, token: try take()))
            case .keyword(.not):
                try checkNotMayStartHere()
                operators.append(PendingOperator(kind: .not, token: try take()))
            case .name(let name):
                let node = RuleNode.column(slot: slot(for: name, at: current.start))
                _ = try take()
                operands.append(RuleOperand(node))
                return
            default:
                guard let constant = current.token.constant else { throw missingOperand() }
                _ = try take()
                operands.append(RuleOperand(.constant(constant)))
                return
            }
        }
    }

    private mutating func closeParenthesis() throws(RuleSyntaxError) {
        guard openParentheses > 0 else { throw RuleSyntaxError("unexpected ')'", at: current.start) }
        try reduce(whileAtLeast: .lowest, before: nil)
        _ = operators.popLast()
        openParentheses -= 1
        _ = try take()
    }

    /// Applies the pending operators that bind at least as tightly as the
    /// one about to be pushed, stopping at an open parenthesis.
    private mutating func reduce(whileAtLeast precedence: RulePrecedence, before incoming: RuleBinaryOperator?) throws(RuleSyntaxError) {
        while let top = operators.last, let topPrecedence = top.kind.precedence, topPrecedence >= precedence {
            if topPrecedence == .comparison, incoming?.precedence == .comparison {
                throw RuleSyntaxError("comparisons cannot be chained; join them with 'and'", at: current.start)
            }
            operators.removeLast()
            try apply(top)
        }
    }

    /// Applies an operator to the operands on top of the stack, changing
    /// the left one in place so `and`/`or` chains grow without copying.
    private mutating func apply(_ pending: PendingOperator) throws(RuleSyntaxError) {
        // The state machine pushes an operand after every operator, so the
        // operands are there; the guards keep that an invariant, not a trap.
        switch pending.kind {
        case .open:
            return
        case .negate, .not:
            guard !operands.isEmpty else { throw unreadable(at: pending.token) }
            let make: (RuleNode) -> RuleNode = if case .negate = pending.kind { RuleNode.negate } else { RuleNode.not }
            operands[operands.count - 1].wrap(in: make)
        case .binary(let op):
            guard operands.count >= 2, let right = operands.popLast() else { throw unreadable(at: pending.token) }
            operands[operands.count - 1].combine(with: right, by: op)
        }
        guard let depth = operands.last?.depth, depth <= Self.maximumDepth else { throw tooDeep(at: pending.token) }
    }

    /// `not` sits below comparison, so it may only begin a condition: at the
    /// start, after `(`, `and`, `or` or another `not`. `a = not b` would
    /// otherwise quietly mean `a = (not b)`.
    private func checkNotMayStartHere() throws(RuleSyntaxError) {
        guard let previous else { return }
        switch previous.token {
        case .symbol(.openParenthesis), .keyword(.and), .keyword(.or), .keyword(.not): return
        default: throw RuleSyntaxError("'not' cannot follow '\(previous.spelling)' without parentheses", at: current.start)
        }
    }

    /// The slot of a column name, recording where the name first appears.
    private mutating func slot(for name: String, at position: RulePosition) -> Int {
        if let slot = slots[name] { return slot }
        slots[name] = references.count
        references.append(RuleColumnReference(name: name, position: position))
        return references.count - 1
    }

    /// Moves past the current token and returns it.
    private mutating func take() throws(RuleSyntaxError) -> RuleLexedToken {
        let taken = current
        previous = current
        current = try lexer.next()
        return taken
    }

    // MARK: Errors

    private func missingOperand() -> RuleSyntaxError {
        let found = current
        guard let previous else { return RuleSyntaxError("expected an operand, not '\(found.spelling)'", at: found.start) }
        if case .end = found.token {
            return RuleSyntaxError("expected an operand after '\(previous.spelling)'", at: found.start)
        }
        return RuleSyntaxError("expected an operand after '\(previous.spelling)', not '\(found.spelling)'", at: found.start)
    }

    /// A complete operand followed by something that cannot continue it.
    private func unexpectedAfterOperand() -> RuleSyntaxError {
        let expected = openParentheses > 0 ? "an operator or ')'" : "an operator"
        return RuleSyntaxError("expected \(expected) before '\(current.spelling)'", at: current.start)
    }

    private func unreadable(at token: RuleLexedToken) -> RuleSyntaxError {
        RuleSyntaxError("cannot read the rule here", at: token.start)
    }

    private func tooDeep(at token: RuleLexedToken) -> RuleSyntaxError {
        RuleSyntaxError("the rule is nested too deeply (more than \(Self.maximumDepth) levels)", at: token.start)
    }
}

/// An operator waiting on the stack for its right operand to be complete.
private struct PendingOperator {
    enum Kind {
        case open, negate, not, binary(RuleBinaryOperator)

        /// Nil for an open parenthesis, which only a ')' removes.
        var precedence: RulePrecedence? {
            switch self {
            case .open: nil
            case .negate: .sign
            case .not: .not
            case .binary(let op): op.precedence
            }
        }
    }

    var kind: Kind
    var token: RuleLexedToken
}

private extension RuleToken {
    /// The value of a literal token, nil for anything else.
    var constant: RuleValue? {
        switch self {
        case .integer(let integer): .integer(integer)
        case .real(let real): .real(real)
        case .text(let text): .text(text)
        case .keyword(.true): .boolean(true)
        case .keyword(.false): .boolean(false)
        case .keyword(.null): .null
        default: nil
        }
    }
}
