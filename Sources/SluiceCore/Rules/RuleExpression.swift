/// A cross-column rule from an import profile, such as
/// `stop - start >= 60 and stop - start <= 2592000`.
///
/// Parsed once when the profile is read, so syntax errors surface before any
/// data is touched; bound once per import, so unknown columns do too; then
/// evaluated per row. The language is a small slice of SQL: names, numbers,
/// strings, `true`, `false`, `null`, `+ - * /`, comparisons, `and or not`,
/// with SQL's treatment of NULL.
public struct RuleExpression: Sendable, CustomStringConvertible {
    /// The rule as the user wrote it.
    public let source: String
    let root: RuleNode
    /// Each distinct column name with where it first appears; a name's index
    /// here is its slot in the tree.
    let references: [RuleColumnReference]

    public static func parse(_ source: String) throws(RuleSyntaxError) -> RuleExpression {
        let (root, references) = try RuleParser.parse(source)
        return RuleExpression(source: source, root: root, references: references)
    }

    /// Column names referenced, in first-appearance order, each once.
    public var columnNames: [String] { references.map(\.name) }

    /// Resolves column names to row positions once, so evaluation per row is
    /// a lookup. `resolve` gives a name's position or nil; the first name it
    /// does not know is thrown with where it appears in the source.
    public func bind(_ resolve: (String) -> Int?) throws(RuleBindingError) -> BoundRule {
        var positions: [Int] = []
        positions.reserveCapacity(references.count)
        for reference in references {
            guard let position = resolve(reference.name) else {
                throw RuleBindingError(name: reference.name, line: reference.position.line, column: reference.position.column)
            }
            positions.append(position)
        }
        return BoundRule(root: root, positions: positions, names: columnNames)
    }

    public var description: String { source }

    /// The rule with every operation in parentheses, showing how it groups.
    var parenthesized: String { root.parenthesized(names: columnNames) }
}

/// A column named in a rule, and where it first appears.
struct RuleColumnReference: Sendable, Equatable {
    var name: String
    var position: RulePosition
}
