/// The text encoding of an input file. Everything past the byte sources works
/// on UTF-8, so any other encoding is converted as the file is read.
public enum InputEncoding: String, Sendable, CaseIterable {
    case utf8
    case latin1
    case windows1252
    /// UTF-16 whose byte order mark decides the byte order; little-endian
    /// when there is none, because that is what Windows tools write.
    case utf16
    case utf16le
    case utf16be

    /// Reads an encoding name as a user would type it: case does not matter,
    /// nor do `-`, `_` or spaces, so "UTF-8", "utf8", "ISO_8859-1",
    /// "Latin-1", "CP1252" and "utf-16le" are all understood.
    public init(parsing text: String) throws {
        let key = String(text.lowercased().unicodeScalars.filter { !"-_ \t".unicodeScalars.contains($0) })
        guard let match = InputEncoding.allCases.first(where: { $0.spellings.contains(key) }) else {
            throw UnknownInputEncoding(name: text)
        }
        self = match
    }

    /// The same as `init(parsing:)`, for callers that word their own error
    /// (the command line does, to name the option).
    public init?(userText text: String) {
        guard let encoding = try? InputEncoding(parsing: text) else { return nil }
        self = encoding
    }

    /// The standard name, as shown in messages and help text.
    public var displayName: String {
        switch self {
        case .utf8: "utf-8"
        case .latin1: "latin1"
        case .windows1252: "windows-1252"
        case .utf16: "utf-16"
        case .utf16le: "utf-16le"
        case .utf16be: "utf-16be"
        }
    }

    /// The names accepted for each encoding, for help text and errors.
    public static var acceptedNames: String {
        "utf-8 (utf8, utf-8-sig), latin1 (latin-1, iso-8859-1, l1), windows-1252 (cp1252, win1252), "
            + "utf-16 (byte order from its BOM, little-endian without one), utf-16le, utf-16be"
    }

    /// Spellings with separators removed and in lower case, as `init(parsing:)` compares them.
    private var spellings: Set<String> {
        switch self {
        case .utf8: ["utf8", "utf8sig"]
        case .latin1: ["latin1", "iso88591", "l1"]
        case .windows1252: ["windows1252", "cp1252", "win1252"]
        case .utf16: ["utf16"]
        case .utf16le: ["utf16le"]
        case .utf16be: ["utf16be"]
        }
    }
}

/// An encoding name that `InputEncoding(parsing:)` does not know; its message
/// lists the names that would have worked.
public struct UnknownInputEncoding: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String

    public init(name: String) {
        self.name = name
    }

    public var description: String {
        "unknown encoding '\(name)'; use one of: \(InputEncoding.acceptedNames)"
    }
}
