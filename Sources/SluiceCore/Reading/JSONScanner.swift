/// A hand-written JSON tokenizer that reads one record (a JSONL line or an
/// array element) at a time.
///
/// It walks the record's bytes once, hands each top-level member to a
/// callback and writes each value's text straight into the batch arena: no
/// Foundation objects, no `String` per value, and no allocation per value once
/// the arena has grown. Nested values are checked with an explicit stack, not
/// recursion, so a hostile nesting depth cannot overflow the thread's stack.
struct JSONScanner {
    /// Why a record could not be read as an object.
    enum Failure: Error, Equatable {
        /// The record is a valid JSON value, but not an object: "an array", "a number", …
        case notAnObject(found: String)
        /// The record is not valid JSON; `position` is the 0-based offset of
        /// the offending byte from the start of the record.
        case invalid(position: Int, message: String)
    }

    /// Closing brackets of the containers open while a nested value is copied.
    private var closers: [UInt8] = []
    /// The unescaped text of a key with escapes; other keys are handed out in place.
    private var keyScratch: [UInt8] = []

    /// Reads the one object that `text` holds (whitespace may surround it) and
    /// calls `member` with each top-level key, unescaped, and its value's span
    /// in `arena`, in the order they are written:
    ///
    /// - a string: its unescaped UTF-8 bytes, `.text`. A lone `\u` surrogate is
    ///   written in its 3-byte form, which is invalid UTF-8 on purpose: the
    ///   decoding stage then reports the value instead of it being altered;
    /// - a number, `true`, `false`: the literal as written, `.plain`;
    /// - `null`: an empty `.null` span;
    /// - an object or array: its JSON text minified (whitespace outside strings
    ///   dropped; strings and numbers exactly as written), `.text`.
    ///
    /// The key is only valid during the call. After a failure the arena may
    /// hold partial values, which the caller drops.
    mutating func scanObject(
        _ text: UnsafeBufferPointer<UInt8>,
        into arena: inout [UInt8],
        member: (_ key: UnsafeBufferPointer<UInt8>, _ value: FieldSpan) -> Void
    ) throws(Failure) {
        var i = Self.skipWhitespace(text, from: 0)
        guard i < text.count else { throw .invalid(position: i, message: "the record is empty") }
        guard text[i] == JSONByte.openBrace else { throw Self.describeNonObject(text, at: i) }
        i = Self.skipWhitespace(text, from: i + 1)
        var expectsMember = i >= text.count || text[i] != JSONByte.closeBrace
        if !expectsMember { i += 1 }
        while expectsMember {
            try Self.expect(JSONByte.quote, in: text, at: i, "a key in double quotes")
            let key = try Self.scanString(text, from: i)
            if key.hasEscapes {
                keyScratch.removeAll(keepingCapacity: true)
                Self.unescape(text, from: i + 1, to: key.close, into: &keyScratch)
            }
            let keyStart = i + 1
            i = Self.skipWhitespace(text, from: key.close + 1)
            try Self.expect(JSONByte.colon, in: text, at: i, "':' after the key")
            i = Self.skipWhitespace(text, from: i + 1)
            let value = try scanValue(text, at: &i, into: &arena)
            if key.hasEscapes {
                keyScratch.withUnsafeBufferPointer { member($0, value) }
            } else {
                member(UnsafeBufferPointer(rebasing: text[keyStart..<key.close]), value)
            }
            i = Self.skipWhitespace(text, from: i)
            if i < text.count && text[i] == JSONByte.closeBrace {
                i += 1
                expectsMember = false
            } else {
                try Self.expect(JSONByte.comma, in: text, at: i, "',' or '}' after a value")
                i = Self.skipWhitespace(text, from: i + 1)
            }
        }
        i = Self.skipWhitespace(text, from: i)
        if i < text.count {
            throw .invalid(position: i, message: "unexpected \(Self.describe(text[i])) after the end of the object")
        }
    }

    /// Writes the value at `i` into the arena and moves `i` past it.
    private mutating func scanValue(_ text: UnsafeBufferPointer<UInt8>, at i: inout Int,
                                    into arena: inout [UInt8]) throws(Failure) -> FieldSpan {
        guard i < text.count else { throw .invalid(position: i, message: "expected a value, found the end of the record") }
        let start = arena.count
        let kind: FieldSpan.Kind
        switch text[i] {
        case JSONByte.quote:
            let string = try Self.scanString(text, from: i)
            if string.hasEscapes {
                Self.unescape(text, from: i + 1, to: string.close, into: &arena)
            } else {
                arena.append(contentsOf: UnsafeBufferPointer(rebasing: text[(i + 1)..<string.close]))
            }
            i = string.close + 1
            kind = .text
        case JSONByte.openBrace, JSONByte.openBracket:
            i = try copyNested(text, from: i, into: &arena)
            kind = .text
        case JSONByte.letterN:
            i = try Self.scanScalar(text, at: i)
            kind = .null
        default:
            let end = try Self.scanScalar(text, at: i)
            arena.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<end]))
            i = end
            kind = .plain
        }
        return FieldSpan(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: arena.count), kind: kind)
    }

    /// What a nested container expects next while it is copied.
    private enum Expectation { case value, valueOrClose, key, keyOrClose, colon, commaOrClose }

    /// Checks the object or array at `start` and appends it to the arena
    /// minified; returns the index just past its closing bracket.
    private mutating func copyNested(_ text: UnsafeBufferPointer<UInt8>, from start: Int,
                                     into arena: inout [UInt8]) throws(Failure) -> Int {
        closers.removeAll(keepingCapacity: true)
        var expectation = Expectation.value
        var i = start
        while true {
            i = Self.skipWhitespace(text, from: i)
            guard i < text.count else { throw .invalid(position: start, message: "the nested value starting here is not closed") }
            let byte = text[i]
            let closer = closers.last ?? JSONByte.closeBracket
            var tokenEnd = i + 1
            switch expectation {
            case .valueOrClose where byte == closer, .keyOrClose where byte == closer, .commaOrClose where byte == closer:
                _ = closers.popLast()
                expectation = .commaOrClose
            case .value, .valueOrClose:
                switch byte {
                case JSONByte.openBrace:
                    closers.append(JSONByte.closeBrace)
                    expectation = .keyOrClose
                case JSONByte.openBracket:
                    closers.append(JSONByte.closeBracket)
                    expectation = .valueOrClose
                case JSONByte.quote:
                    tokenEnd = try Self.scanString(text, from: i).close + 1
                    expectation = .commaOrClose
                default:
                    tokenEnd = try Self.scanScalar(text, at: i)
                    expectation = .commaOrClose
                }
            case .key, .keyOrClose:
                try Self.expect(JSONByte.quote, in: text, at: i, "a key in double quotes")
                tokenEnd = try Self.scanString(text, from: i).close + 1
                expectation = .colon
            case .colon:
                try Self.expect(JSONByte.colon, in: text, at: i, "':' after the key")
                expectation = .value
            case .commaOrClose:
                try Self.expect(JSONByte.comma, in: text, at: i, "',' or '\(Self.printable(closer))'")
                expectation = closer == JSONByte.closeBrace ? .key : .value
            }
            arena.append(contentsOf: UnsafeBufferPointer(rebasing: text[i..<tokenEnd]))
            i = tokenEnd
            if closers.isEmpty { return i }
        }
    }
}

// MARK: - Tokens

extension JSONScanner {
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == JSONByte.space || byte == JSONByte.lineFeed || byte == JSONByte.carriageReturn || byte == JSONByte.tab
    }

    static func skipWhitespace(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < text.count && isWhitespace(text[i]) { i += 1 }
        return i
    }

    private static func expect(_ byte: UInt8, in text: UnsafeBufferPointer<UInt8>, at i: Int, _ what: String) throws(Failure) {
        guard i < text.count else { throw .invalid(position: i, message: "expected \(what), found the end of the record") }
        guard text[i] == byte else { throw .invalid(position: i, message: "expected \(what), found \(describe(text[i]))") }
    }

    /// Checks the string whose opening quote is at `open`; returns the index
    /// of its closing quote and whether anything in it needs unescaping.
    static func scanString(_ text: UnsafeBufferPointer<UInt8>, from open: Int) throws(Failure) -> (close: Int, hasEscapes: Bool) {
        var i = open + 1
        var hasEscapes = false
        while i < text.count {
            let byte = text[i]
            if byte == JSONByte.quote { return (i, hasEscapes) }
            if byte < 0x20 { throw .invalid(position: i, message: "\(describe(byte)) must be escaped inside a string") }
            guard byte == JSONByte.backslash else { i += 1; continue }
            hasEscapes = true
            guard i + 1 < text.count else { break }
            switch text[i + 1] {
            case JSONByte.quote, JSONByte.backslash, JSONByte.slash,
                 JSONByte.letterB, JSONByte.letterF, JSONByte.letterN, JSONByte.letterR, JSONByte.letterT:
                i += 2
            case JSONByte.letterU:
                guard hexValue(text, at: i + 2) != nil else {
                    throw .invalid(position: i, message: "\\u must be followed by four hex digits")
                }
                i += 6
            default:
                throw .invalid(position: i, message: "invalid escape in a string: '\\' followed by \(describe(text[i + 1]))")
            }
        }
        throw .invalid(position: open, message: "the string starting here is not closed")
    }

    /// Appends the unescaped content of a string checked by `scanString` (the
    /// bytes between its quotes). Runs without escapes are copied in bulk;
    /// bytes that are not valid UTF-8 are copied through unchanged.
    static func unescape(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, into out: inout [UInt8]) {
        var runStart = start
        var i = start
        while i < end {
            guard text[i] == JSONByte.backslash else { i += 1; continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<i]))
            guard i + 1 < end else { runStart = end; break }
            var length = 2
            switch text[i + 1] {
            case JSONByte.letterB: out.append(0x08)
            case JSONByte.letterF: out.append(0x0C)
            case JSONByte.letterN: out.append(JSONByte.lineFeed)
            case JSONByte.letterR: out.append(JSONByte.carriageReturn)
            case JSONByte.letterT: out.append(JSONByte.tab)
            case JSONByte.letterU:
                guard i + 6 <= end, let unit = hexValue(text, at: i + 2) else { break }
                var scalar = unit
                length = 6
                // A high surrogate and a low one make one character beyond the BMP.
                if (0xD800...0xDBFF).contains(unit), i + 12 <= end,
                   text[i + 6] == JSONByte.backslash, text[i + 7] == JSONByte.letterU,
                   let low = hexValue(text, at: i + 8), (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    length = 12
                }
                appendUTF8(scalar, to: &out)
            default: out.append(text[i + 1])  // \" \\ \/
            }
            i += length
            runStart = i
        }
        if runStart < end { out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<end])) }
    }

    /// Encodes a code point as UTF-8; a surrogate gets the generalized 3-byte form.
    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18 & 0x07))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// The value of the four hex digits at `start`, or nil.
    static func hexValue(_ text: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32? {
        guard start >= 0, start + 4 <= text.count else { return nil }
        var value: UInt32 = 0
        for byte in text[start..<(start + 4)] {
            switch byte {
            case 0x30...0x39: value = value << 4 | UInt32(byte - 0x30)
            case 0x41...0x46: value = value << 4 | UInt32(byte - 0x41 + 10)
            case 0x61...0x66: value = value << 4 | UInt32(byte - 0x61 + 10)
            default: return nil
            }
        }
        return value
    }

    /// Checks the number, `true`, `false` or `null` at `start`; returns the index past it.
    static func scanScalar(_ text: UnsafeBufferPointer<UInt8>, at start: Int) throws(Failure) -> Int {
        switch text[start] {
        case JSONByte.letterT: return try scanLiteral("true", in: text, at: start)
        case JSONByte.letterF: return try scanLiteral("false", in: text, at: start)
        case JSONByte.letterN: return try scanLiteral("null", in: text, at: start)
        case JSONByte.minus, 0x30...0x39: return try scanNumber(text, at: start)
        default: throw .invalid(position: start, message: "expected a value, found \(describe(text[start]))")
        }
    }

    /// Checks a number against JSON's grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    private static func scanNumber(_ text: UnsafeBufferPointer<UInt8>, at start: Int) throws(Failure) -> Int {
        func isDigit(_ i: Int) -> Bool { i < text.count && text[i] >= 0x30 && text[i] <= 0x39 }
        func digits(from i: Int) throws(Failure) -> Int {
            guard isDigit(i) else { throw .invalid(position: start, message: "invalid number: a digit is missing") }
            var j = i
            while isDigit(j) { j += 1 }
            return j
        }
        var i = text[start] == JSONByte.minus ? start + 1 : start
        if i < text.count && text[i] == 0x30 {
            i += 1
            if isDigit(i) { throw .invalid(position: start, message: "invalid number: leading zeros are not allowed") }
        } else {
            i = try digits(from: i)
        }
        if i < text.count && text[i] == JSONByte.period { i = try digits(from: i + 1) }
        if i < text.count && text[i] | 0x20 == JSONByte.letterE {
            i += 1
            if i < text.count && (text[i] == JSONByte.plus || text[i] == JSONByte.minus) { i += 1 }
            i = try digits(from: i)
        }
        if i < text.count && continuesAToken(text[i]) { throw .invalid(position: start, message: "invalid number") }
        return i
    }

    /// Checks that `word` stands at `start` as a whole token.
    private static func scanLiteral(_ word: StaticString, in text: UnsafeBufferPointer<UInt8>, at start: Int) throws(Failure) -> Int {
        let end = start + word.utf8CodeUnitCount
        var matches = end <= text.count
        for k in 0..<word.utf8CodeUnitCount where matches { matches = text[start + k] == word.utf8Start[k] }
        guard matches, end == text.count || !continuesAToken(text[end]) else {
            throw .invalid(position: start, message: "invalid literal (expected \(word))")
        }
        return end
    }

    /// Bytes that cannot directly follow a number or literal, so that `12ab`, `1.2.3` and `truex` fail.
    private static func continuesAToken(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, JSONByte.period, JSONByte.plus, JSONByte.minus, 0x5F: true
        default: byte >= 0x80
        }
    }

    /// The failure for a record that does not start with `{`. The value is
    /// checked first, so that `tru` reads as invalid JSON rather than as "true".
    static func describeNonObject(_ text: UnsafeBufferPointer<UInt8>, at start: Int) -> Failure {
        let found: String
        switch text[start] {
        case JSONByte.openBracket: return .notAnObject(found: "an array")
        case JSONByte.quote: found = "a string"
        case JSONByte.letterN: found = "null"
        case JSONByte.letterT: found = "true"
        case JSONByte.letterF: found = "false"
        default: found = "a number"
        }
        do throws(Failure) {
            let end = text[start] == JSONByte.quote ? try scanString(text, from: start).close + 1 : try scanScalar(text, at: start)
            let after = skipWhitespace(text, from: end)
            guard after == text.count else {
                return .invalid(position: after, message: "unexpected \(describe(text[after])) after \(found)")
            }
            return .notAnObject(found: found)
        } catch {
            return error
        }
    }

    /// A byte as messages show it: `'x'`, `a line break`, `byte 0xFF`.
    static func describe(_ byte: UInt8) -> String {
        switch byte {
        case JSONByte.lineFeed: "a line break"
        case JSONByte.carriageReturn: "a carriage return"
        case JSONByte.tab: "a tab"
        case JSONByte.space: "a space"
        case 0x21..<0x7F: "'\(printable(byte))'"
        default: "byte 0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
    }

    static func printable(_ byte: UInt8) -> Character { Character(Unicode.Scalar(byte)) }
}

/// The bytes of JSON's syntax, by name. Computed rather than stored, so that
/// they fold to constants instead of lazily initialized globals in hot loops.
enum JSONByte {
    static var quote: UInt8 { UInt8(ascii: "\"") }
    static var backslash: UInt8 { UInt8(ascii: "\\") }
    static var slash: UInt8 { UInt8(ascii: "/") }
    static var openBrace: UInt8 { UInt8(ascii: "{") }
    static var closeBrace: UInt8 { UInt8(ascii: "}") }
    static var openBracket: UInt8 { UInt8(ascii: "[") }
    static var closeBracket: UInt8 { UInt8(ascii: "]") }
    static var colon: UInt8 { UInt8(ascii: ":") }
    static var comma: UInt8 { UInt8(ascii: ",") }
    static var period: UInt8 { UInt8(ascii: ".") }
    static var plus: UInt8 { UInt8(ascii: "+") }
    static var minus: UInt8 { UInt8(ascii: "-") }
    static var space: UInt8 { UInt8(ascii: " ") }
    static var tab: UInt8 { UInt8(ascii: "\t") }
    static var lineFeed: UInt8 { UInt8(ascii: "\n") }
    static var carriageReturn: UInt8 { UInt8(ascii: "\r") }
    static var letterB: UInt8 { UInt8(ascii: "b") }
    static var letterE: UInt8 { UInt8(ascii: "e") }
    static var letterF: UInt8 { UInt8(ascii: "f") }
    static var letterN: UInt8 { UInt8(ascii: "n") }
    static var letterR: UInt8 { UInt8(ascii: "r") }
    static var letterT: UInt8 { UInt8(ascii: "t") }
    static var letterU: UInt8 { UInt8(ascii: "u") }
}
