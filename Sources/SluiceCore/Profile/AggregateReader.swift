import Yams

/// Reads a profile's `aggregate:` section, checking every name against the
/// profile's columns, and points at the mistake's line and column.
struct AggregateReader {
    let reader: ProfileReader

    func aggregate(_ node: Node, columns: [ColumnSpec]) throws(ProfileError) -> AggregateSpec {
        let map = try reader.mapping(node, "aggregate")
        try reader.rejectUnknownKeys(map, allowed: ["by", "columns"], context: "aggregate")
        let known = HeaderMatcher(names: columns.map(\.name))
        guard let byNode = map["by"] else {
            throw reader.error(node, "aggregate has no 'by': name the columns to group by")
        }
        let by = try groupKey(byNode, known: known)
        var spec = AggregateSpec(by: by)
        if let columnsNode = map["columns"] {
            spec.columns = try outputs(columnsNode, by: by, known: known, columns: columns)
        }
        return spec
    }

    /// The `by` list: at least one column, each a column of the profile, none twice.
    private func groupKey(_ node: Node, known: HeaderMatcher) throws(ProfileError) -> [String] {
        let items: [Node]
        if node.scalar != nil {
            items = [node]
        } else if let sequence = node.sequence {
            items = Array(sequence)
        } else {
            throw reader.error(node, "aggregate.by must be a list of columns")
        }
        var names: [String] = []
        var seen = Set<String>()
        for item in items {
            for name in try reader.stringList(item, "aggregate.by") where !name.isEmpty {
                guard known.index(of: name) != nil else {
                    throw reader.error(item, "aggregate.by: '\(name)' is not among the profile's columns")
                }
                guard seen.insert(HeaderMatcher.normalize(name)).inserted else {
                    throw reader.error(item, "aggregate.by names '\(name)' twice")
                }
                names.append(name)
            }
        }
        guard !names.isEmpty else { throw reader.error(node, "aggregate.by is empty: name at least one column to group by") }
        return names
    }

    /// The `columns` mapping of output names to functions.
    private func outputs(_ node: Node, by: [String], known: HeaderMatcher, columns: [ColumnSpec]) throws(ProfileError) -> [AggregateColumn] {
        let map = try reader.mapping(node, "aggregate.columns")
        let groupKey = HeaderMatcher(names: by)
        var seen: [String: String] = [:]
        var outputs: [AggregateColumn] = []
        for (keyNode, valueNode) in map {
            let name = try reader.string(keyNode, "an aggregate column name")
            guard !name.isEmpty else { throw reader.error(keyNode, "an aggregate column name is empty") }
            if let index = groupKey.index(of: name) {
                throw reader.error(keyNode, "aggregate column '\(name)' has the same name as the group column '\(by[index])'; give it another name")
            }
            let normal = HeaderMatcher.normalize(name)
            if let other = seen[normal] { throw reader.error(keyNode, "aggregate column '\(name)' has the same name as '\(other)'") }
            seen[normal] = name
            let text = try reader.string(valueNode, "aggregate column '\(name)'")
            guard let (function, offset) = AggregateFunction.parse(text) else {
                throw reader.error(valueNode, "aggregate column '\(name)': unknown function '\(text)'; use \(AggregateFunction.syntax)")
            }
            if let argument = function.argument {
                guard let index = known.index(of: argument) else {
                    throw positioned(valueNode, offset: offset ?? 0,
                                     "aggregate column '\(name)': '\(argument)' in \(function) is not among the profile's columns")
                }
                let type = columns[index].type
                if case .sum = function, !type.isNumeric {
                    throw positioned(valueNode, offset: offset ?? 0,
                                     "aggregate column '\(name)': sum needs an integer, real or decimal column; '\(argument)' is \(type.rawValue)")
                }
            }
            outputs.append(AggregateColumn(name: name, function: function))
        }
        return outputs
    }

    /// The file position of a character inside a one-line scalar, after its opening quote if it has one.
    private func positioned(_ node: Node, offset: Int, _ message: String) -> ProfileError {
        guard let mark = node.mark else { return ProfileError(file: reader.file, message: message) }
        let quoted = node.scalar.map { $0.style == .singleQuoted || $0.style == .doubleQuoted } ?? false
        return ProfileError(file: reader.file, line: mark.line, column: mark.column + offset + (quoted ? 1 : 0), message: message)
    }
}
