import Foundation

/// Reads field text as a value of a column type: the one place that decides
/// what `007`, `1e3`, `2024-02-30` or `yes` mean.
public enum ValueParser {
    /// The value of `text` as `type`, or nil when it does not fit.
    public static func parse(_ text: String, as type: ColumnType) -> Value? {
        switch type {
        case .text: return .text(text)
        case .json: return isJSON(text) ? .text(text) : nil
        case .integer: return integer(text).map(Value.integer)
        case .real: return real(text).map(Value.real)
        case .decimal: return decimal(text).map(Value.text)
        case .boolean: return boolean(text).map { .integer($0 ? 1 : 0) }
        case .date: return date(text).map(Value.text)
        case .timestamp: return timestamp(text).map(Value.text)
        }
    }

    /// The narrowest type the sniffer would give this text, along the ladder
    /// boolean → integer → real → date → timestamp → text.
    public static func sniff(_ text: String) -> ColumnType {
        if sniffedBoolean(text) != nil { return .boolean }
        if integer(text) != nil { return .integer }
        if real(text) != nil { return .real }
        if date(text) != nil { return .date }
        if timestamp(text) != nil, !isUnixSeconds(text) { return .timestamp }
        return .text
    }

    // MARK: numbers

    /// Digits with an optional minus sign; a leading zero (`007`) is not a
    /// number but an identifier, so it stays text.
    public static func integer(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { integer(bytes: $0) }
    }

    /// `integer(_:)` on bytes, for the workers' fast path.
    @inline(__always)
    public static func integer(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if bytes.count > 0 && bytes[0] == UInt8(ascii: "-") { negative = true; i = 1 }
        guard i < bytes.count, isDigit(bytes[i]) else { return nil }
        if bytes[i] == UInt8(ascii: "0") && bytes.count - i > 1 { return nil }
        var value: Int64 = 0
        while i < bytes.count {
            let byte = bytes[i]
            guard isDigit(byte) else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(Int64(byte &- 48))
                                      : times10.addingReportingOverflow(Int64(byte &- 48))
            if o1 || o2 { return nil }
            value = next
            i += 1
        }
        return value
    }

    /// A decimal or scientific number (`-1.5`, `2e10`); not `nan`, `inf`, `.5` or `007.5`.
    public static func real(_ text: String) -> Double? {
        var text = text
        guard text.withUTF8({ isNumberLiteral($0, allowExponent: true) }) else { return nil }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// `real(_:)` on bytes.
    @inline(__always)
    public static func real(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard isNumberLiteral(bytes, allowExponent: true),
              let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// An exact decimal (`14.50`, `-3`), kept as canonical text so no digit is lost.
    public static func decimal(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { decimal(bytes: $0) }
    }

    /// `decimal(_:)` on bytes.
    @inline(__always)
    public static func decimal(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var digits = bytes
        if digits.count > 0 && digits[0] == UInt8(ascii: "+") { digits = UnsafeBufferPointer(rebasing: digits[1...]) }
        guard isNumberLiteral(digits, allowExponent: false, allowLeadingZeros: true) else { return nil }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The value of a canonical decimal's bytes as a `Double`, computed as
    /// digits ÷ 10^k when both are exact (at most 15 digits), which IEEE
    /// division rounds just as `strtod` would; nil otherwise (use `Double(_:)`).
    @inline(__always)
    static func exactDecimalNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, negative = false
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") { negative = true; i = 1 }
        var mantissa: Int64 = 0, digits = 0, fraction = -1
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: ".") && fraction < 0 {
                fraction = 0
            } else if isDigit(byte) {
                mantissa = mantissa &* 10 &+ Int64(byte &- 48)
                digits += 1
                if fraction >= 0 { fraction += 1 }
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0, digits <= 15 else { return nil }
        let value = Double(mantissa) / powersOfTen[max(0, fraction)]
        return negative ? -value : value
    }

    private static let powersOfTen: [Double] = (0...15).map { pow(10, Double($0)) }

    private static func isNumberLiteral(_ bytes: UnsafeBufferPointer<UInt8>, allowExponent: Bool, allowLeadingZeros: Bool = false) -> Bool {
        var i = 0
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < bytes.count && isDigit(bytes[i]) { i += 1 }
        let intDigits = i - intStart
        guard intDigits > 0 else { return false }
        if !allowLeadingZeros && intDigits > 1 && bytes[intStart] == UInt8(ascii: "0") { return false }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < bytes.count && isDigit(bytes[i]) { i += 1 }
            guard i > fracStart else { return false }
        }
        if allowExponent && i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            let expStart = i
            while i < bytes.count && isDigit(bytes[i]) { i += 1 }
            guard i > expStart else { return false }
        }
        return i == bytes.count
    }

    /// Any JSON value: object, array, string, number, true, false or null.
    public static func isJSON(_ text: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
    }

    // MARK: booleans

    /// What a profile's boolean column accepts.
    public static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "t", "yes", "y", "1", "on": return true
        case "false", "f", "no", "n", "0", "off": return false
        default: return nil
        }
    }

    /// The sniffer is stricter: `1`/`0` are integers and `y`/`n` may be codes.
    static func sniffedBoolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: return nil
        }
    }

    // MARK: dates and times

    /// `YYYY-MM-DD`, a real calendar day.
    public static func date(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, let day = CalendarDay(bytes, at: 0) else { return nil }
        return day.description
    }

    /// ISO 8601 (`2024-01-31T12:00:00Z`, a space for the `T`, optional seconds,
    /// fraction and offset; no offset means UTC) or unix seconds. The result is
    /// UTC in the form `2024-01-31T12:00:00Z`.
    public static func timestamp(_ text: String) -> String? {
        if isUnixSeconds(text), let seconds = Int64(text) {
            return Timestamp(unixSeconds: seconds).description
        }
        return Timestamp(iso8601: Array(text.utf8))?.description
    }

    static func isUnixSeconds(_ text: String) -> Bool {
        guard let value = integer(text) else { return false }
        return value >= -62_135_596_800 && value <= 253_402_300_799  // years 1 through 9999
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }
}
