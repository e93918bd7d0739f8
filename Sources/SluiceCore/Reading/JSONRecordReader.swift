#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How the objects of a JSON input are laid out.
public enum JSONLayout: Sendable {
    /// JSON Lines: one object per line.
    case lines
    /// One JSON array of objects, which may span any number of lines.
    case array
}

/// Cuts a JSONL or JSON-array input into records, one per object, in the same
/// batches the CSV reader produces.
///
/// A record's arena bytes are its original text (for rejects), then its values
/// as `JSONScanner` writes them; its fields follow `columns`, `.null` for a
/// missing key. A JSONL line that is not a valid object becomes a record with
/// a `.malformed` problem and reading goes on, as the next line is a fresh
/// start. So does an array element that is not, as long as its brackets
/// balance; a broken array structure throws `InputError` instead, because no
/// element after it can be found reliably.
///
/// The input is read in blocks of 1 MiB and never held whole: a record may
/// span blocks, and the buffer grows for a record larger than a block.
public final class JSONRecordReader: RecordReader {
    let fileName: String
    let columns: [String]
    var layout: JSONLayout
    public var header: [String]? { columns }

    private let source: any ByteSource
    private let batchRecords: Int
    let window = Window(capacity: 1 << 20)
    let keys: ColumnKeys
    var scanner = JSONScanner()
    /// The current record's value for each column; nil until its key is seen.
    private var values: [FieldSpan?]
    private var extraKeys: [String] = []
    private var sequence = 0
    private(set) var line = 1
    private var atStart = true
    /// A failure met after some records of a batch, thrown by the next call.
    private var failure: (any Error)?
    /// How far past `window.start` the current JSONL line has been searched.
    private var searched = 0
    private var arrayPosition = ArrayPosition.beforeArray
    private var arrayLine = 1
    private var element = ElementScan()

    /// A batch is cut once its arena holds this much, so that offsets stay far
    /// inside `Int32` and memory stays bounded however large the records.
    private static let batchArenaLimit = 4 << 20
    /// The largest record: with its values (never longer than itself) it fits an arena.
    private static let maxRecordBytes = 512 << 20
    /// Sampling keeps the values of this many objects at most.
    static let maxSampledObjects = 5_000

    public init(source: any ByteSource, fileName: String, layout: JSONLayout, columns: [String], batchRecords: Int = 2048) {
        self.source = source
        self.fileName = fileName
        self.layout = layout
        self.columns = columns
        self.batchRecords = max(1, batchRecords)
        self.keys = ColumnKeys(columns)
        self.values = Array(repeating: nil, count: columns.count)
    }

    public func nextBatch() throws -> RecordBatch? {
        if let failure { throw failure }
        var batch = RecordBatch(sequence: sequence)
        do {
            while batch.records.count < batchRecords && batch.arena.count < Self.batchArenaLimit {
                guard let record = try nextRecordText() else { break }
                append(record, to: &batch)
            }
        } catch {
            // Hand over the records read before the failure; report it on the next call.
            failure = error
            if batch.records.isEmpty { throw error }
        }
        guard !batch.records.isEmpty else { return nil }
        batch.bytesConsumed = source.bytesConsumed
        sequence += 1
        return batch
    }

    /// Copies a record's text into the batch, then its values, then adds its fields in column order.
    private func append(_ record: RecordText, to batch: inout RecordBatch) {
        let rawStart = batch.arena.count
        batch.arena.append(contentsOf: record.bytes)
        let rawEnd = batch.arena.count
        let firstField = batch.fields.count
        let keys = self.keys
        var predicted = 0
        var problem: ReadProblem?
        extraKeys.removeAll(keepingCapacity: true)
        // One exclusive access to `values` per record, not one per member: this is the hot path.
        values.withUnsafeMutableBufferPointer { values in
            for column in values.indices { values[column] = nil }
            do throws(JSONScanner.Failure) {
                try scanner.scanObject(record.bytes, into: &batch.arena) { key, value in
                    if let column = keys.column(of: key, predicted: &predicted) {
                        values[column] = value  // for a repeated key the last one wins, as in JavaScript
                    } else {
                        let name = String(decoding: key, as: UTF8.self)
                        if !extraKeys.contains(name) { extraKeys.append(name) }
                    }
                }
                let missing = FieldSpan(start: Int32(truncatingIfNeeded: rawEnd), end: Int32(truncatingIfNeeded: rawEnd), kind: .null)
                for column in values.indices { batch.fields.append(values[keys.firstColumn(sharingNameWith: column)] ?? missing) }
                if !extraKeys.isEmpty { problem = .extraKeys(extraKeys) }
            } catch {
                batch.arena.removeSubrange(rawEnd...)
                switch error {
                case .notAnObject(let found): problem = .malformed("expected an object, found \(found)")
                case .invalid(let position, let message):
                    problem = .malformed("invalid JSON at byte \(position + 1) of the record: \(message)")
                }
            }
        }
        batch.records.append(RecordInfo(
            line: record.line, byteOffset: record.byteOffset,
            firstField: Int32(truncatingIfNeeded: firstField), fieldCount: Int32(truncatingIfNeeded: batch.fields.count - firstField),
            rawStart: Int32(truncatingIfNeeded: rawStart), rawEnd: Int32(truncatingIfNeeded: rawEnd), problem: problem))
    }

    /// Where a record's text lies in the window; valid until the window is refilled.
    struct RecordText {
        var bytes: UnsafeBufferPointer<UInt8>
        var line: Int
        var byteOffset: Int64
    }

    /// The next record's text, or nil at the end of the input.
    func nextRecordText() throws -> RecordText? {
        if atStart { try skipByteOrderMark() }
        switch layout {
        case .lines: return try nextLine()
        case .array: return try nextArrayElement()
        }
    }

    func skipByteOrderMark() throws {
        while window.end - window.start < 3 && !window.atEndOfInput { try refill(recordLine: 1) }
        let bytes = window.bytes + window.start
        if window.end - window.start >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { window.start += 3 }
        atStart = false
    }

    /// Moves the unread bytes to the front of the window and reads once more.
    /// Positions kept across a refill are therefore relative to `window.start`.
    func refill(recordLine: Int) throws {
        window.compact()
        if window.end == window.capacity {
            guard window.capacity < Self.maxRecordBytes else {
                throw InputError(file: fileName, line: recordLine,
                                 problem: "the record starting on this line is larger than \(Self.maxRecordBytes >> 20) MiB")
            }
            window.grow()
        }
        try window.fill(from: source)
    }

    // MARK: JSON Lines

    /// The next line that is not blank, without its line end (LF or CRLF).
    private func nextLine() throws -> RecordText? {
        while true {
            let bytes = window.bytes, start = window.start, end = window.end
            let from = start + searched
            let lineEnd = memchr(bytes + from, Int32(JSONByte.lineFeed), end - from)
                .map { $0.assumingMemoryBound(to: UInt8.self) - bytes } ?? end
            guard lineEnd < end || (window.atEndOfInput && start < end) else {
                if window.atEndOfInput { return nil }
                searched = lineEnd - start
                try refill(recordLine: line)
                continue
            }
            var textEnd = lineEnd
            if textEnd > start && bytes[textEnd - 1] == JSONByte.carriageReturn { textEnd -= 1 }
            window.start = min(lineEnd + 1, end)
            searched = 0
            line += 1
            let text = UnsafeBufferPointer(start: bytes + start, count: textEnd - start)
            if text.allSatisfy(JSONScanner.isWhitespace) { continue }
            return RecordText(bytes: text, line: line - 1, byteOffset: window.offset(of: start))
        }
    }

    // MARK: JSON array

    private enum ArrayPosition { case beforeArray, beforeFirstElement, beforeElement, insideElement, afterElement, afterArray }

    /// The element being cut, kept across refills: where it starts, the
    /// brackets it has still to close, and how far it has been scanned.
    private struct ElementScan {
        var line = 0
        var isScalar = false
        var closers: [UInt8] = []
        var inString = false
        var afterBackslash = false
        var scanned = 0
        var lineBreaks = 0
    }

    private func nextArrayElement() throws -> RecordText? {
        while true {
            if arrayPosition == .insideElement {
                if let record = try cutElement() { return record }
                continue
            }
            guard skipWhitespace() else {
                guard window.atEndOfInput else { try refill(recordLine: line); continue }
                switch arrayPosition {
                case .afterArray: return nil
                case .beforeArray: throw InputError(file: fileName, problem: "the file is empty; expected a JSON array")
                default: throw InputError(file: fileName, line: arrayLine,
                                          problem: "unterminated array: the '[' on this line never closes before the end of the file")
                }
            }
            let byte = window.bytes[window.start]
            switch arrayPosition {
            case .beforeArray:
                guard byte == JSONByte.openBracket else { throw structureError("expected '[' to start the JSON array", found: byte) }
                arrayLine = line
                arrayPosition = .beforeFirstElement
            case .beforeFirstElement where byte == JSONByte.closeBracket:
                arrayPosition = .afterArray
            case .beforeFirstElement, .beforeElement:
                if Self.isPunctuation(byte) && byte != JSONByte.openBrace && byte != JSONByte.openBracket && byte != JSONByte.quote {
                    throw structureError("expected an array element", found: byte)
                }
                let isContainer = byte == JSONByte.openBrace || byte == JSONByte.openBracket || byte == JSONByte.quote
                element = ElementScan(line: line, isScalar: !isContainer)
                arrayPosition = .insideElement
                continue
            case .afterElement where byte == JSONByte.comma:
                arrayPosition = .beforeElement
            case .afterElement where byte == JSONByte.closeBracket:
                arrayPosition = .afterArray
            case .afterElement:
                throw structureError("expected ',' or ']' after an array element", found: byte)
            case .afterArray, .insideElement:
                throw structureError("unexpected text after the end of the JSON array", found: byte)
            }
            window.start += 1
        }
    }

    /// Skips whitespace between elements, counting lines; false when the window ran out.
    private func skipWhitespace() -> Bool {
        let bytes = window.bytes, end = window.end
        var i = window.start
        while i < end && JSONScanner.isWhitespace(bytes[i]) {
            if bytes[i] == JSONByte.lineFeed { line += 1 }
            i += 1
        }
        window.start = i
        return i < end
    }

    private func structureError(_ problem: String, found byte: UInt8) -> InputError {
        InputError(file: fileName, line: line, problem: "\(problem), found \(JSONScanner.describe(byte))")
    }

    /// Finds where the current element ends by matching brackets outside
    /// strings (its content is checked later, by the scanner). Returns nil
    /// after a refill while the element is not complete yet.
    private func cutElement() throws -> RecordText? {
        let bytes = window.bytes, start = window.start, end = window.end
        // Locals, not `element`'s fields, in the loop: no exclusivity checks, and registers.
        var closers: [UInt8] = []
        swap(&closers, &element.closers)
        defer { swap(&closers, &element.closers) }
        var inString = element.inString, afterBackslash = element.afterBackslash, lineBreaks = element.lineBreaks
        var i = start + element.scanned
        var complete = false
        if element.isScalar {
            while i < end && !Self.endsAScalar(bytes[i]) { i += 1 }
            complete = i < end || window.atEndOfInput
        }
        scanning: while !element.isScalar && i < end {
            let byte = bytes[i]
            i += 1
            if byte == JSONByte.lineFeed { lineBreaks += 1 }
            if inString {
                if afterBackslash {
                    afterBackslash = false
                } else if byte == JSONByte.backslash {
                    afterBackslash = true
                } else if byte == JSONByte.quote {
                    inString = false
                    if closers.isEmpty { complete = true; break scanning }
                } else {
                    // The rest of a plain run, at once.
                    while i < end && bytes[i] != JSONByte.quote && bytes[i] != JSONByte.backslash && bytes[i] != JSONByte.lineFeed { i += 1 }
                }
                continue
            }
            switch byte {
            case JSONByte.quote: inString = true
            case JSONByte.openBrace: closers.append(JSONByte.closeBrace)
            case JSONByte.openBracket: closers.append(JSONByte.closeBracket)
            case JSONByte.closeBrace, JSONByte.closeBracket:
                guard closers.last == byte else {
                    let expected = closers.last.map { "'\(JSONScanner.printable($0))'" } ?? "a value"
                    throw InputError(file: fileName, line: element.line + lineBreaks,
                                     problem: "expected \(expected), found '\(JSONScanner.printable(byte))'; the array's structure is broken here")
                }
                closers.removeLast()
                if closers.isEmpty { complete = true; break scanning }
            default: break
            }
        }
        element.inString = inString
        element.afterBackslash = afterBackslash
        element.lineBreaks = lineBreaks
        element.scanned = i - start
        guard complete else {
            if window.atEndOfInput {
                let what = bytes[start] == JSONByte.openBrace ? "object" : bytes[start] == JSONByte.openBracket ? "array" : "string"
                throw InputError(file: fileName, line: element.line,
                                 problem: "unterminated \(what): the \(what) starting on this line never closes before the end of the file")
            }
            try refill(recordLine: element.line)
            return nil
        }
        window.start = i
        line = element.line + lineBreaks
        arrayPosition = .afterElement
        return RecordText(bytes: UnsafeBufferPointer(start: bytes + start, count: i - start),
                          line: element.line, byteOffset: window.offset(of: start))
    }

    private static func endsAScalar(_ byte: UInt8) -> Bool { JSONScanner.isWhitespace(byte) || isPunctuation(byte) }

    private static func isPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case JSONByte.comma, JSONByte.colon, JSONByte.quote, JSONByte.openBrace, JSONByte.closeBrace,
             JSONByte.openBracket, JSONByte.closeBracket: true
        default: false
        }
    }
}
