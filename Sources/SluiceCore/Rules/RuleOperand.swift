/// A parsed operand waiting on the parser's stack, with the depth of its
/// tree so the depth limit is checked as the tree grows.
///
/// A chain of `and` or of `or` stays open as a list while it grows, so that
/// `x = 1 or x = 2 or …` becomes one node with many terms rather than a
/// tree as deep as the list is long. The parser extends the chain in place
/// on its stack, which keeps a long chain linear to build.
struct RuleOperand {
    private enum Kind {
        case single(RuleNode)
        case all
        case any
    }

    private var kind: Kind
    /// The terms of an open chain; empty for a single node.
    private var terms: [RuleNode] = []
    private(set) var depth: Int

    init(_ node: RuleNode) {
        kind = .single(node)
        depth = 1
    }

    var node: RuleNode {
        switch kind {
        case .single(let node): node
        case .all: .all(terms)
        case .any: .any(terms)
        }
    }

    mutating func wrap(in make: (RuleNode) -> RuleNode) {
        self = RuleOperand(make(node), depth: depth + 1)
    }

    /// Becomes `self op right`.
    mutating func combine(with right: RuleOperand, by op: RuleBinaryOperator) {
        switch op {
        case .and: join(right, all: true)
        case .or: join(right, all: false)
        case .comparison(let comparison):
            self = RuleOperand(.comparison(comparison, node, right.node), depth: max(depth, right.depth) + 1)
        case .arithmetic(let arithmetic):
            self = RuleOperand(.arithmetic(arithmetic, node, right.node), depth: max(depth, right.depth) + 1)
        }
    }

    private init(_ node: RuleNode, depth: Int) {
        kind = .single(node)
        self.depth = depth
    }

    /// Adds `right` to this chain if it is one of the same kind, or starts a
    /// new chain of the two.
    private mutating func join(_ right: RuleOperand, all: Bool) {
        switch (kind, all) {
        case (.all, true), (.any, false):
            terms.append(right.node)
            depth = max(depth, right.depth + 1)
        default:
            terms = [node, right.node]
            kind = all ? .all : .any
            depth = max(depth, right.depth) + 1
        }
    }
}
