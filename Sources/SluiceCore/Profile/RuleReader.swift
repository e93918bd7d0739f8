import Yams

/// Reads the `rules:` list of a profile and parses each expression, mapping
/// a syntax error's position inside the expression to the YAML file.
struct RuleReader {
    let reader: ProfileReader

    func rules(_ node: Node, columns: [ColumnSpec]) throws(ProfileError) -> [RuleSpec] {
        guard let sequence = node.sequence else { throw reader.error(node, "rules must be a list") }
        var specs: [RuleSpec] = []
        for (index, item) in sequence.enumerated() {
            let map = try reader.mapping(item, "rule \(index + 1)")
            try reader.rejectUnknownKeys(map, allowed: ["name", "expr", "message"], context: "rule \(index + 1)")
            let name = try map["name"].map { node throws(ProfileError) in try reader.string(node, "name") } ?? "rule \(index + 1)"
            guard let exprNode = map["expr"] else { throw reader.error(item, "rule '\(name)' has no 'expr'") }
            let source = try reader.string(exprNode, "expr")
            let expression: RuleExpression
            do {
                expression = try RuleExpression.parse(source)
            } catch {
                throw positioned(exprNode, line: error.line, column: error.column, "rule '\(name)': \(error.message)")
            }
            let matcher = HeaderMatcher(names: columns.map(\.name))
            do {
                _ = try expression.bind { matcher.index(of: $0) }
            } catch {
                throw positioned(exprNode, line: error.line, column: error.column,
                                 "rule '\(name)': '\(error.name)' is not a column of this profile")
            }
            let message = try map["message"].map { node throws(ProfileError) in try reader.string(node, "message") }
            specs.append(RuleSpec(name: name, expression: expression, message: message))
        }
        return specs
    }

    /// The file position of a character inside an expression scalar: its first
    /// line starts after the scalar's opening quote, if it has one.
    private func positioned(_ node: Node, line: Int, column: Int, _ message: String) -> ProfileError {
        guard let mark = node.mark else { return ProfileError(file: reader.file, message: message) }
        let quoted = node.scalar.map { $0.style == .singleQuoted || $0.style == .doubleQuoted } ?? false
        if line <= 1 {
            return ProfileError(file: reader.file, line: mark.line, column: mark.column + column - 1 + (quoted ? 1 : 0), message: message)
        }
        return ProfileError(file: reader.file, line: mark.line + line - 1, message: message)
    }
}
