/// Guesses how a delimited file is written, and what its columns hold, from
/// a sample of its first bytes.
///
/// The delimiter is the candidate (`,` tab `;` `|`) that splits the sampled
/// records into the most consistent number of fields, more than one; the
/// quote is `"` unless only `'` is ever used to quote. The first record is a
/// header unless it looks like data: a value in it has the type of its
/// column (a number under numbers), or a name repeats.
public struct Sniffer: Sendable {
    public var sampleBytes: Int

    public init(sampleBytes: Int = 1 << 20) {
        self.sampleBytes = sampleBytes
    }

    public struct Result: Sendable {
        public var dialect: CSVDialect
        /// Column names: the header's, or `column_1`… without one.
        public var columns: [String]
        /// The narrowest type that fits every sampled value of each column.
        public var types: [ColumnType]
        /// Sampled data records (not counting the header).
        public var sampledRecords: Int
    }

    /// What the caller already knows and the sniffer must not guess.
    public struct Overrides: Sendable {
        public var delimiter: UInt8?
        public var quote: UInt8?
        public var hasHeader: Bool?
        public init(delimiter: UInt8? = nil, quote: UInt8? = nil, hasHeader: Bool? = nil) {
            self.delimiter = delimiter
            self.quote = quote
            self.hasHeader = hasHeader
        }
    }

    /// Sniffs `sample` (the first bytes of the file, UTF-8). `complete` says
    /// the sample is the whole file, so its last record is not cut short.
    public func sniff(sample: [UInt8], complete: Bool, overrides: Overrides = Overrides(), fileName: String) throws -> Result {
        let quote = overrides.quote ?? guessQuote(sample)
        let delimiter = try overrides.delimiter ?? guessDelimiter(sample, quote: quote, complete: complete)
        var rows = try records(sample, dialect: CSVDialect(delimiter: delimiter, quote: quote, hasHeader: false),
                               complete: complete, fileName: fileName)
        guard !rows.isEmpty else { throw InputError(file: fileName, problem: "the file is empty") }
        // The types below the first record: what a header is judged by, and
        // the columns' types when it is one (typing the sample is most of the sniff's time).
        let width = rows.map(\.count).max() ?? 1
        let typesBelowFirst = overrides.hasHeader == false ? [] : Self.types(of: rows.dropFirst(), width: width)
        let hasHeader = overrides.hasHeader ?? looksLikeHeader(rows, typesBelow: typesBelowFirst)
        var columns: [String]
        let types: [ColumnType]
        if hasHeader {
            columns = rows.removeFirst().map { $0 ?? "" }
            types = Array(typesBelowFirst.prefix(columns.count))
        } else {
            columns = (1...max(1, width)).map { "column_\($0)" }
            types = Self.types(of: rows[...], width: columns.count)
        }
        return Result(dialect: CSVDialect(delimiter: delimiter, quote: quote, hasHeader: hasHeader),
                      columns: columns, types: types, sampledRecords: rows.count)
    }

    /// Per column position up to `width`, the narrowest type of the rows' values there.
    private static func types(of rows: ArraySlice<[String?]>, width: Int) -> [ColumnType] {
        (0..<width).map { index in type(of: rows.lazy.compactMap { index < $0.count ? $0[index] : nil }) }
    }

    /// The narrowest type that fits all the values; text when there are none.
    public static func type(of values: some Sequence<String>) -> ColumnType {
        var type: ColumnType?
        for value in values where !value.isEmpty {
            let next = ValueParser.sniff(value)
            type = type.map { $0.widened(with: next) } ?? next
            if type == .text { break }
        }
        return type ?? .text
    }

    private func guessQuote(_ sample: [UInt8]) -> UInt8 {
        let double = sample.lazy.filter { $0 == UInt8(ascii: "\"") }.count
        let single = sample.lazy.filter { $0 == UInt8(ascii: "'") }.count
        return double == 0 && single > 0 && opensFields(sample, with: UInt8(ascii: "'")) ? UInt8(ascii: "'") : UInt8(ascii: "\"")
    }

    /// Whether `quote` ever starts a field (after a line start or a likely delimiter).
    private func opensFields(_ sample: [UInt8], with quote: UInt8) -> Bool {
        let starts = Set<UInt8>([UInt8(ascii: "\n"), UInt8(ascii: "\r")] + CSVDialect.candidateDelimiters)
        for i in sample.indices where sample[i] == quote && (i == 0 || starts.contains(sample[i - 1])) {
            return true
        }
        return false
    }

    private func guessDelimiter(_ sample: [UInt8], quote: UInt8, complete: Bool) throws -> UInt8 {
        var best: (delimiter: UInt8, score: Double) = (UInt8(ascii: ","), 0)
        for delimiter in CSVDialect.candidateDelimiters {
            guard sample.contains(delimiter) else { continue }
            let dialect = CSVDialect(delimiter: delimiter, quote: quote, hasHeader: false)
            guard let counts = try? fieldCounts(sample, dialect: dialect, complete: complete), !counts.isEmpty else { continue }
            let score = consistency(counts)
            if score > best.score { best = (delimiter, score) }
        }
        return best.delimiter
    }

    /// High when most records share one field count greater than one.
    private func consistency(_ counts: [Int]) -> Double {
        var frequency: [Int: Int] = [:]
        for count in counts { frequency[count, default: 0] += 1 }
        guard let (fields, records) = frequency.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key < $1.key) }),
              fields > 1 else { return 0 }
        return Double(records) / Double(counts.count) * Double(min(fields, 64)).squareRoot()
    }

    /// `typesBelow`: the column types of the records after the first.
    private func looksLikeHeader(_ rows: [[String?]], typesBelow: [ColumnType]) -> Bool {
        guard let first = rows.first else { return false }
        let names = first.map { $0 ?? "" }
        let named = names.filter { !$0.isEmpty }
        if named.isEmpty || Set(named).count < named.count { return false }
        guard rows.count > 1 else { return !names.contains { ValueParser.sniff($0) != .text } }
        for (index, name) in names.enumerated() {
            if typesBelow[index] != .text && !name.isEmpty && ValueParser.sniff(name) != .text { return false }
        }
        return true
    }

    /// Reads the sample's records as text; when the sample is not the whole
    /// file, the last record may be cut short and is dropped.
    private func records(_ sample: [UInt8], dialect: CSVDialect, complete: Bool, fileName: String) throws -> [[String?]] {
        let decoder = FieldDecoder(quote: dialect.quote)
        var rows: [[String?]] = []
        try forEachBatch(sample, dialect: dialect, complete: complete, fileName: fileName) { batch in
            for record in batch.records {
                let spans = batch.fields[Int(record.firstField)..<Int(record.firstField + record.fieldCount)]
                rows.append(spans.map { decoder.string($0, in: batch.arena, lossy: true) })
            }
        }
        if !complete && rows.count > 1 { rows.removeLast() }
        return rows
    }

    /// The sample's records' field counts, as `records` would cut them, without making text.
    private func fieldCounts(_ sample: [UInt8], dialect: CSVDialect, complete: Bool) throws -> [Int] {
        var counts: [Int] = []
        try forEachBatch(sample, dialect: dialect, complete: complete, fileName: "") { batch in
            counts += batch.records.map { Int($0.fieldCount) }
        }
        if !complete && counts.count > 1 { counts.removeLast() }
        return counts
    }

    private func forEachBatch(_ sample: [UInt8], dialect: CSVDialect, complete: Bool, fileName: String,
                              _ body: (RecordBatch) -> Void) throws {
        // Small batches: an open quote at the cut end of a partial sample throws, and loses only its own batch.
        let reader = try CSVRecordReader(source: MemoryByteSource(sample), fileName: fileName, dialect: dialect, batchRecords: 64)
        while true {
            let batch: RecordBatch?
            do { batch = try reader.nextBatch() } catch let error as InputError where !complete {
                _ = error  // an open quote at the end of a partial sample is only the sample's end
                break
            }
            guard let batch else { break }
            body(batch)
        }
    }
}

/// A byte source over bytes already in memory: samples, and tests.
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }

    public var bytesConsumed: Int64 { Int64(position) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}
