/// Cuts a CSV/TSV byte stream into records per RFC 4180, in batches.
///
/// Handles quoted fields, doubled quotes, line breaks inside quotes, LF, CRLF
/// and lone CR line ends, a UTF-8 byte order mark, and a last record without
/// a line end. Quotes that appear inside an unquoted field, or after a closing
/// quote, are kept as literal text, as Python's `csv` module does.
///
/// The reader only finds boundaries; decoding a field (stripping quotes,
/// checking UTF-8) is left to the workers, see `FieldDecoder`. Blank lines
/// are skipped but counted, so line numbers stay physical.
public final class CSVRecordReader: RecordReader {
    public let fileName: String
    public let dialect: CSVDialect
    public private(set) var header: [String]?
    /// The physical line of the header record, when there is one.
    public private(set) var headerLine: Int?

    private let source: any ByteSource
    private let batchRecords: Int
    private let batchBytes: Int
    private var buffer: ScanBuffer
    private var line = 1
    private var sequence = 0
    private var atStart = true
    /// Records and fields of the last batch, to size the next one's tables.
    private var lastBatchSize = (records: 0, fields: 0)

    /// `startLine` and `startOffset` say where `source` begins in the whole
    /// file, for a reader of one byte range: records then carry the line
    /// numbers and offsets they have in the file, not in the range.
    public init(source: any ByteSource, fileName: String, dialect: CSVDialect,
                batchRecords: Int = 2048, batchBytes: Int = 256 << 10, blockSize: Int = 1 << 20,
                startLine: Int = 1, startOffset: Int64 = 0) throws {
        self.source = source
        self.fileName = fileName
        self.dialect = dialect
        self.batchRecords = max(1, batchRecords)
        self.batchBytes = max(1, batchBytes)
        self.buffer = ScanBuffer(capacity: max(16, blockSize), startOffset: startOffset)
        self.line = startLine
        self.atStart = startOffset == 0
        if dialect.hasHeader { try readHeader() }
    }

    /// Reads the first record as the column names.
    private func readHeader() throws {
        guard let first = try nextBatch(limit: 1), first.count == 1 else { return }
        let record = first.records[0]
        headerLine = record.line
        header = (0..<Int(record.fieldCount)).map { index in
            let span = first.fields[Int(record.firstField) + index]
            return FieldDecoder(quote: dialect.quote).string(span, in: first.arena, lossy: true) ?? ""
        }
        sequence = 0
    }

    public func nextBatch() throws -> RecordBatch? {
        try nextBatch(limit: batchRecords)
    }

    private func nextBatch(limit: Int) throws -> RecordBatch? {
        var builder = BatchBuilder(records: lastBatchSize.records, fields: lastBatchSize.fields)
        while builder.records.count < limit {
            if buffer.unscanned == 0 || buffer.needsMoreData {
                // Hand over what we have before refilling: compaction moves the bytes under the builder.
                if !builder.records.isEmpty || (buffer.endOfInput && buffer.unscanned == 0) { break }
                try refill()
                continue
            }
            if atStart { atStart = !skipByteOrderMark(); continue }
            switch scanRecord(into: &builder) {
            case .record:
                if builder.arenaBytes >= batchBytes { return finish(&builder) }
            case .blankLine:
                continue
            case .needMoreData:
                buffer.needsMoreData = true
            case .unterminatedQuote(let startLine):
                throw InputError(file: fileName, line: startLine,
                                 problem: "unterminated quoted field: the quote opened on this line never closes before the end of the file")
            }
        }
        return builder.records.isEmpty ? nil : finish(&builder)
    }

    private func finish(_ builder: inout BatchBuilder) -> RecordBatch {
        let batch = builder.makeBatch(from: buffer, sequence: sequence, bytesConsumed: source.bytesConsumed)
        lastBatchSize = (batch.records.count, batch.fields.count)
        sequence += 1
        return batch
    }

    private func refill() throws {
        buffer.compact()
        if buffer.free == 0 { buffer.grow() }
        let count = try buffer.fill(from: source)
        if count == 0 { buffer.endOfInput = true }
        buffer.needsMoreData = false
    }

    /// Skips a UTF-8 byte order mark; false while too few bytes are in to tell.
    private func skipByteOrderMark() -> Bool {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        let seen = min(buffer.unscanned, 3)
        guard (0..<seen).allSatisfy({ buffer.bytes[buffer.scanPosition + $0] == mark[$0] }) else { return true }
        if seen < 3 && !buffer.endOfInput { buffer.needsMoreData = true; return false }
        if seen == 3 { buffer.scanPosition += 3 }
        return true
    }

    private enum ScanOutcome { case record, blankLine, needMoreData, unterminatedQuote(Int) }

    /// Scans one record starting at the buffer's scan position. Commits it to
    /// the builder only when it is complete, so a record cut by the end of the
    /// buffer is scanned again from its start after a refill.
    private func scanRecord(into builder: inout BatchBuilder) -> ScanOutcome {
        let delimiter = dialect.delimiter, quote = dialect.quote
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let bytes = buffer.bytes
        let start = buffer.scanPosition, end = buffer.dataEnd
        let eof = buffer.endOfInput
        let fieldMark = builder.fields.count
        var lines = 0
        var i = start
        var fieldStart = start

        // A line end right away is a blank line: skip it, but count it.
        if bytes[i] == lf || bytes[i] == cr {
            if bytes[i] == cr {
                if i + 1 == end && !eof { return .needMoreData }
                i += (i + 1 < end && bytes[i + 1] == lf) ? 2 : 1
            } else {
                i += 1
            }
            buffer.scanPosition = i
            line += 1
            return .blankLine
        }

        while true {
            // At the start of a field.
            fieldStart = i
            var kind = FieldSpan.Kind.plain
            if i < end && bytes[i] == quote {
                kind = .quoted
                i += 1
                // Inside quotes: only a quote matters; count the line breaks we pass.
                while true {
                    while i < end && bytes[i] != quote {
                        if bytes[i] == lf { lines += 1 } else if bytes[i] == cr && (i + 1 >= end || bytes[i + 1] != lf) { lines += 1 }
                        i += 1
                    }
                    if i >= end {
                        builder.fields.removeSubrange(fieldMark...)
                        return eof ? .unterminatedQuote(line) : .needMoreData
                    }
                    // A quote: doubled means a literal quote, else the field's quoting ends.
                    if i + 1 < end && bytes[i + 1] == quote { i += 2; continue }
                    if i + 1 >= end && !eof { builder.fields.removeSubrange(fieldMark...); return .needMoreData }
                    i += 1
                    break
                }
            }
            // Unquoted text, or text after a closing quote: runs to a delimiter or line end.
            i = UnquotedFieldScan.end(of: bytes, from: i, to: end, delimiter: delimiter)
            builder.appendField(start: fieldStart, end: i, kind: kind, buffer: buffer)
            if i >= end {
                guard eof else { builder.fields.removeSubrange(fieldMark...); return .needMoreData }
                builder.appendRecord(line: line, rawStart: start, rawEnd: i, firstField: fieldMark, buffer: buffer)
                buffer.scanPosition = i
                line += lines
                return .record
            }
            if bytes[i] == delimiter { i += 1; continue }
            // A line end closes the record.
            let rawEnd = i
            if bytes[i] == cr {
                if i + 1 >= end && !eof { builder.fields.removeSubrange(fieldMark...); return .needMoreData }
                i += (i + 1 < end && bytes[i + 1] == lf) ? 2 : 1
            } else {
                i += 1
            }
            builder.appendRecord(line: line, rawStart: start, rawEnd: rawEnd, firstField: fieldMark, buffer: buffer)
            buffer.scanPosition = i
            line += lines + 1
            return .record
        }
    }
}
