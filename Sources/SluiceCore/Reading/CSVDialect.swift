/// How a delimited text file is written: which byte separates fields, which
/// byte quotes them, and whether the first record names the columns.
public struct CSVDialect: Sendable, Equatable, CustomStringConvertible {
    public var delimiter: UInt8
    public var quote: UInt8
    public var hasHeader: Bool

    public init(delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""), hasHeader: Bool = true) {
        self.delimiter = delimiter
        self.quote = quote
        self.hasHeader = hasHeader
    }

    public static let csv = CSVDialect()
    public static let tsv = CSVDialect(delimiter: UInt8(ascii: "\t"))

    /// The delimiters the sniffer chooses among.
    public static let candidateDelimiters: [UInt8] = [",", "\t", ";", "|"].map { UInt8(ascii: $0) }

    public var description: String {
        "delimiter \(Self.name(ofDelimiter: delimiter)), quote \(Character(Unicode.Scalar(quote))), "
            + (hasHeader ? "header" : "no header")
    }

    public static func name(ofDelimiter byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\t"): return "tab"
        case UInt8(ascii: ","): return "comma"
        case UInt8(ascii: ";"): return "semicolon"
        case UInt8(ascii: "|"): return "pipe"
        default: return "'\(Character(Unicode.Scalar(byte)))'"
        }
    }

    /// Reads a delimiter as a user types it: `,` `;` `|`, or `tab`, `\t`, a real tab.
    public static func parseDelimiter(_ text: String) -> UInt8? {
        switch text.lowercased() {
        case "tab", "\\t", "\t": return UInt8(ascii: "\t")
        case "comma": return UInt8(ascii: ",")
        case "semicolon": return UInt8(ascii: ";")
        case "pipe": return UInt8(ascii: "|")
        default:
            let bytes = Array(text.utf8)
            guard bytes.count == 1, bytes[0] != UInt8(ascii: "\n"), bytes[0] != UInt8(ascii: "\r") else { return nil }
            return bytes[0]
        }
    }
}
