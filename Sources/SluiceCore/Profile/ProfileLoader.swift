import Foundation
import Yams

/// Reads a profile from YAML, checking every key and value, and reports each
/// mistake with the line and column where it is.
public enum ProfileLoader {
    public static func load(path: String) throws(ProfileError) -> Profile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProfileError(file: path, message: "cannot read the profile: \(Self.reason(error))")
        }
        return try parse(yaml: text, file: path)
    }

    public static func parse(yaml: String, file: String) throws(ProfileError) -> Profile {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ProfileError(file: file, message: "the profile is empty")
            }
            root = node
        } catch let error as ProfileError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ProfileError(file: file, message: "not valid YAML: \(error)")
        }
        var profile = try ProfileReader(file: file).profile(from: root)
        profile.text = yaml
        return profile
    }

    private static func yamlError(_ error: YamlError, file: String) -> ProfileError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ProfileError(file: file, line: mark.line, column: mark.column, message: "not valid YAML: \(problem)")
        default:
            return ProfileError(file: file, message: "not valid YAML: \(error)")
        }
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}

/// Walks the YAML tree of one profile file.
struct ProfileReader {
    let file: String

    static let topLevelKeys = ["table", "columns", "rules", "key", "mode", "errors", "aggregate"]
    static let columnKeys = ["type", "required", "min", "max", "pattern", "regex", "in", "default", "aliases"]

    func error(_ node: Node?, _ message: String) -> ProfileError {
        ProfileError(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    func profile(from root: Node) throws(ProfileError) -> Profile {
        let top = try mapping(root, "the profile")
        try rejectUnknownKeys(top, allowed: Self.topLevelKeys, context: "the profile")
        var profile = Profile(source: file)
        if let table = top["table"] { profile.table = try string(table, "table") }
        guard let columns = top["columns"] else { throw error(root, "the profile has no 'columns'") }
        profile.columns = try columnSpecs(columns)
        let known = Set(profile.columns.map { HeaderMatcher.normalize($0.name) })
        if let key = top["key"] {
            profile.key = try stringList(key, "key")
            for name in profile.key where !known.contains(HeaderMatcher.normalize(name)) {
                throw error(key, "key column '\(name)' is not among the profile's columns")
            }
        }
        if let mode = top["mode"] {
            let text = try string(mode, "mode")
            guard let value = ImportMode(rawValue: text) else {
                throw error(mode, "unknown mode '\(text)'; use append, upsert or replace")
            }
            profile.mode = value
        }
        if let errors = top["errors"] { profile.errors = try budget(errors) }
        if let rules = top["rules"] { profile.rules = try RuleReader(reader: self).rules(rules, columns: profile.columns) }
        if let aggregate = top["aggregate"] { profile.aggregate = try AggregateReader(reader: self).aggregate(aggregate, columns: profile.columns) }
        return profile
    }

    private func columnSpecs(_ node: Node) throws(ProfileError) -> [ColumnSpec] {
        let map = try mapping(node, "columns")
        var specs: [ColumnSpec] = []
        var seen: [String: String] = [:]
        for (keyNode, value) in map {
            let name = try string(keyNode, "a column name")
            guard !name.isEmpty else { throw error(keyNode, "a column name is empty") }
            let normal = HeaderMatcher.normalize(name)
            if let other = seen[normal] { throw error(keyNode, "column '\(name)' has the same name as '\(other)'") }
            seen[normal] = name
            specs.append(try columnSpec(name: name, value))
        }
        guard !specs.isEmpty else { throw error(node, "'columns' lists no column") }
        return specs
    }

    private func columnSpec(name: String, _ node: Node) throws(ProfileError) -> ColumnSpec {
        var spec = ColumnSpec(name: name)
        if case .scalar = node {  // the short form `name: integer`
            spec.type = try columnType(node)
            return spec
        }
        let map = try mapping(node, "column '\(name)'")
        try rejectUnknownKeys(map, allowed: Self.columnKeys, context: "column '\(name)'")
        if let type = map["type"] { spec.type = try columnType(type) }
        if let required = map["required"] { spec.required = try bool(required, "required") }
        if let min = map["min"] { spec.min = try number(min, "min") }
        if let max = map["max"] { spec.max = try number(max, "max") }
        if let pattern = map["pattern"] ?? map["regex"] {
            let text = try string(pattern, "pattern")
            do { spec.pattern = try ColumnPattern(text) } catch {
                throw self.error(pattern, "column '\(name)': pattern is not a valid regular expression: \(text)")
            }
        }
        if let allowed = map["in"] { spec.allowed = try stringList(allowed, "in") }
        if let value = map["default"] {
            let text = try string(value, "default")
            if ValueParser.parse(text, as: spec.type) == nil {
                throw error(value, "column '\(name)': default '\(text)' is not a valid \(spec.type.rawValue)")
            }
            spec.defaultValue = text
        }
        if let aliases = map["aliases"] { spec.aliases = try stringList(aliases, "aliases") }
        if spec.min != nil || spec.max != nil, !spec.type.isNumeric {
            throw error(node, "column '\(name)': min and max apply to integer, real and decimal columns, not \(spec.type.rawValue)")
        }
        return spec
    }

    private func columnType(_ node: Node) throws(ProfileError) -> ColumnType {
        let text = try string(node, "type")
        guard let type = ColumnType(rawValue: text.lowercased()) else {
            let names = ColumnType.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(node, "unknown type '\(text)'; use one of \(names)")
        }
        return type
    }

    private func budget(_ node: Node) throws(ProfileError) -> ErrorBudget {
        let map = try mapping(node, "errors")
        try rejectUnknownKeys(map, allowed: ["max", "ratio", "max_ratio"], context: "errors")
        var budget = ErrorBudget()
        if let max = map["max"] {
            guard let value = max.int, value >= 0 else { throw error(max, "errors.max must be a whole number ≥ 0") }
            budget.maxErrors = value
        }
        if let ratio = map["ratio"] ?? map["max_ratio"] {
            guard let value = ratio.float, (0...1).contains(value) else { throw error(ratio, "errors.ratio must be a number from 0 to 1") }
            budget.maxRatio = value
        }
        return budget
    }

    // MARK: scalars

    func mapping(_ node: Node, _ what: String) throws(ProfileError) -> Node.Mapping {
        guard let map = node.mapping else { throw error(node, "\(what) must be a mapping of keys to values") }
        return map
    }

    func string(_ node: Node, _ what: String) throws(ProfileError) -> String {
        guard let scalar = node.scalar else { throw error(node, "\(what) must be a single value") }
        return scalar.string
    }

    private func bool(_ node: Node, _ what: String) throws(ProfileError) -> Bool {
        guard let value = node.bool else { throw error(node, "\(what) must be true or false") }
        return value
    }

    private func number(_ node: Node, _ what: String) throws(ProfileError) -> Double {
        guard let text = node.scalar?.string, let value = Double(text) else { throw error(node, "\(what) must be a number") }
        return value
    }

    func stringList(_ node: Node, _ what: String) throws(ProfileError) -> [String] {
        if let scalar = node.scalar { return scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        guard let sequence = node.sequence else { throw error(node, "\(what) must be a list") }
        var values: [String] = []
        for item in sequence { values.append(try string(item, "an item of \(what)")) }
        return values
    }

    func rejectUnknownKeys(_ map: Node.Mapping, allowed: [String], context: String) throws(ProfileError) {
        for (key, _) in map {
            let name = key.scalar?.string ?? "?"
            if !allowed.contains(name) {
                throw error(key, "unknown key '\(name)' in \(context); known keys: \(allowed.joined(separator: ", "))")
            }
        }
    }
}
