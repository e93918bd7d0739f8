import Foundation

/// A reason the input cannot be imported as asked, found before any row is
/// read: a required column no header matches, a table column that is missing,
/// a duplicate header.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        InputError(file: file, line: line, problem: message).description
    }
}

/// Names that come from files become SQL identifiers only after this check;
/// drivers then quote them. Nothing from a file is ever spliced into SQL.
public enum Identifier {
    public static func validate(_ name: String, what: String) -> String? {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return "\(what) is empty" }
        if name.utf8.count > 255 { return "\(what) '\(name.clipped)' is longer than 255 bytes" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "\(what) '\(name.debugDescription)' contains a control character"
        }
        return nil
    }

    /// A table name for a file: its name without extensions, letters, digits
    /// and underscores only (`2024 plans.csv.gz` → `t_2024_plans`).
    public static func tableName(forFile path: String) -> String {
        var base = Substring(path.split(separator: "/").last ?? "data")
        for ext in [".gz", ".csv", ".tsv", ".tab", ".txt", ".jsonl", ".ndjson", ".json"] where base.lowercased().hasSuffix(ext) {
            base = base.dropLast(ext.count)
        }
        var name = String(base.unicodeScalars.map { scalar -> Character in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" ? Character(scalar) : "_"
        })
        if name.isEmpty { name = "data" }
        if let first = name.unicodeScalars.first, ("0"..."9").contains(first) { name = "t_" + name }
        return name
    }

    public static func isReserved(table name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix("sqlite_") || lower.hasPrefix("sluice_")
    }
}

