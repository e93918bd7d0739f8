/// Prints a profile as the YAML that `ProfileLoader` reads, so an inferred
/// profile can be saved, edited and used.
public enum ProfileWriter {
    public static func yaml(_ profile: Profile, comment: String? = nil) -> String {
        var lines: [String] = []
        if let comment { lines += comment.split(separator: "\n").map { "# \($0)" } }
        if let table = profile.table { lines.append("table: \(scalar(table))") }
        lines.append("columns:")
        let width = profile.columns.map { scalar($0.name).count }.max() ?? 0
        for column in profile.columns {
            let name = scalar(column.name) + ":"
            lines.append("  " + name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + options(column))
        }
        if !profile.rules.isEmpty {
            lines.append("rules:")
            for rule in profile.rules {
                lines.append("  - name: \(scalar(rule.name))")
                lines.append("    expr: \(quoted(rule.expression.source))")
                if let message = rule.message { lines.append("    message: \(quoted(message))") }
            }
        }
        if !profile.key.isEmpty { lines.append("key: [\(profile.key.map(scalar).joined(separator: ", "))]") }
        if let mode = profile.mode { lines.append("mode: \(mode.rawValue)") }
        var budget: [String] = []
        if let max = profile.errors.maxErrors { budget.append("max: \(max)") }
        if let ratio = profile.errors.maxRatio { budget.append("ratio: \(ratio)") }
        if !budget.isEmpty { lines.append("errors: {\(budget.joined(separator: ", "))}") }
        if let aggregate = profile.aggregate {
            lines.append("aggregate:")
            lines.append("  by: [\(aggregate.by.map(scalar).joined(separator: ", "))]")
            if !aggregate.columns.isEmpty {
                lines.append("  columns:")
                for column in aggregate.columns { lines.append("    \(scalar(column.name)): \(scalar(column.function.description))") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func options(_ column: ColumnSpec) -> String {
        var parts = ["type: \(column.type.rawValue)"]
        if column.required { parts.append("required: true") }
        if let min = column.min { parts.append("min: \(number(min))") }
        if let max = column.max { parts.append("max: \(number(max))") }
        if let pattern = column.pattern { parts.append("pattern: \(quoted(pattern.source))") }
        if let allowed = column.allowed { parts.append("in: [\(allowed.map(scalar).joined(separator: ", "))]") }
        if let value = column.defaultValue { parts.append("default: \(scalar(value))") }
        if !column.aliases.isEmpty { parts.append("aliases: [\(column.aliases.map(quoted).joined(separator: ", "))]") }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A plain YAML scalar when that is safe, else a quoted one.
    static func scalar(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }
        let special = ["true", "false", "yes", "no", "null", "on", "off", "y", "n", "~"].contains(text.lowercased())
        return plain && !special && ValueParser.sniff(text) == .text ? text : quoted(text)
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += String(format: "\\x%02X", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

import Foundation

/// Infers a profile from an input: the sniffer's columns and types.
public enum ProfileInference {
    public static func infer(_ request: ImportRequest) throws -> (profile: Profile, comment: String) {
        let input = try PreparedInput.open(request)
        let table = request.table ?? Identifier.tableName(forFile: request.input)
        let columns = zip(input.columns, input.sniffedTypes).map { ColumnSpec(name: $0, type: $1) }
        var how = "format \(input.format.rawValue)"
        if let dialect = input.dialect { how += ", \(dialect)" }
        let comment = "inferred by `sluice profile infer` from \(request.input) (\(how), sample of \(request.sampleBytes) bytes)\nedit types, add required/min/max/in/pattern checks and rules, then: sluice import FILE --profile THIS.yaml"
        return (Profile(table: table, columns: columns), comment)
    }
}
