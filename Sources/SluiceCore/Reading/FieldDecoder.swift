/// Turns a field span into text: strips CSV quoting and checks UTF-8.
///
/// Runs on the worker threads, so that the reader thread only ever looks for
/// boundaries. A field without quotes becomes a `String` straight from the
/// arena; only quoted fields with doubled quotes are copied byte by byte.
public struct FieldDecoder: Sendable {
    public let quote: UInt8
    /// When true, a quoted empty field (`""`) is NULL like an unquoted empty one.
    public let emptyQuotedIsNull: Bool

    public init(quote: UInt8 = UInt8(ascii: "\""), emptyQuotedIsNull: Bool = false) {
        self.quote = quote
        self.emptyQuotedIsNull = emptyQuotedIsNull
    }

    public enum Decoded: Equatable {
        case null
        case text(String)
        /// The bytes are not valid UTF-8; `offset` is that of the first bad byte within the field's raw text.
        case invalidUTF8(offset: Int)
    }

    public func decode(_ span: FieldSpan, in arena: [UInt8]) -> Decoded {
        arena.withUnsafeBufferPointer { decode(span, in: $0) }
    }

    public func decode(_ span: FieldSpan, in arena: UnsafeBufferPointer<UInt8>) -> Decoded {
        let scratch = ScratchBuffer(capacity: 64)
        return withExtendedLifetime(scratch) {  // the bytes may live in the scratch buffer
            guard let bytes = bytes(span, in: arena, scratch: scratch) else { return .null }
            if let text = Self.text(bytes) { return .text(text) }
            let offset = Self.firstInvalidUTF8Offset(bytes)
            return .invalidUTF8(offset: span.kind == .quoted ? rawOffset(ofDecoded: offset, in: span, arena: arena) : offset)
        }
    }

    /// The decoded text, or nil for NULL; with `lossy`, bad UTF-8 becomes U+FFFD.
    public func string(_ span: FieldSpan, in arena: [UInt8], lossy: Bool = false) -> String? {
        switch decode(span, in: arena) {
        case .null: return nil
        case .text(let s): return s
        case .invalidUTF8:
            guard lossy else { return nil }
            return String(decoding: arena[Int(span.start)..<Int(span.end)], as: UTF8.self)
        }
    }

    /// Where the `decoded`-th byte of a quoted field's text lies in its raw
    /// bytes, walking the quoting the way `ScratchBuffer.unquote` strips it.
    private func rawOffset(ofDecoded decoded: Int, in span: FieldSpan, arena: UnsafeBufferPointer<UInt8>) -> Int {
        let raw = UnsafeBufferPointer(rebasing: arena[Int(span.start)..<Int(span.end)])
        var produced = 0, i = 1, inQuotes = true
        while i < raw.count {
            if inQuotes && raw[i] == quote {
                if i + 1 < raw.count && raw[i + 1] == quote {
                    if produced == decoded { return i }
                    produced += 1; i += 2
                } else {
                    inQuotes = false; i += 1
                }
                continue
            }
            if produced == decoded { return i }
            produced += 1; i += 1
        }
        return raw.count
    }

    /// Offset of the first byte that does not begin or continue a valid UTF-8 sequence.
    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return i
            }
            guard i + length <= bytes.count else { return i }
            let sequence = UnsafeBufferPointer(rebasing: bytes[i..<(i + length)])
            if String(validating: sequence, as: UTF8.self) == nil { return i }
            i += length
        }
        return bytes.count
    }
}
