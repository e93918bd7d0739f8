/// A rule that cannot be read. The position is inside the rule's own text so
/// the profile reader can translate it to a place in the YAML file.
public struct RuleSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 1-based line within the rule's source.
    public var line: Int
    /// 1-based column within that line, in Unicode scalars.
    public var column: Int

    public init(message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    init(_ message: String, at position: RulePosition) {
        self.init(message: message, line: position.line, column: position.column)
    }

    public var description: String { "\(message) (line \(line), column \(column))" }
}

/// A rule that names a column the import does not have, found when the rule
/// is bound to the columns rather than on every row.
public struct RuleBindingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name as written in the rule.
    public var name: String
    /// Where the name first appears in the rule's source (1-based).
    public var line: Int
    public var column: Int

    public init(name: String, line: Int, column: Int) {
        self.name = name
        self.line = line
        self.column = column
    }

    public var description: String { "unknown column '\(name)' (line \(line), column \(column))" }
}
