import Foundation

/// Opens an input, reads its sample, and decides how to read the rest:
/// format, dialect, columns and their sniffed types. The sample is replayed,
/// so the file is read once.
struct PreparedInput {
    var reader: any RecordReader
    var format: InputFormat
    var columns: [String]
    var sniffedTypes: [ColumnType]
    var headerLine: Int?
    var dialect: CSVDialect?
    var bytesTotal: Int64?
    /// The bytes read are not the file's own (gzip, or another encoding), so
    /// offsets in them are not offsets in the file.
    var decoded = false

    var positional: Bool { format == .csv || format == .tsv }

    /// Opens the request's input: its stored copy when it has one (a
    /// background job), else the file at `request.input`.
    static func open(_ request: ImportRequest) throws -> PreparedInput {
        let file = request.input
        let source: any ByteSource, decoded: Bool, total: Int64?
        if let stored = request.storedInput {
            (source, decoded) = try InputOpener.open(source: try stored.store.read(stored.key, range: nil), name: file,
                                                     encoding: request.encoding)
            total = try stored.store.size(of: stored.key)
        } else {
            source = try InputOpener.open(path: file, encoding: request.encoding)
            decoded = !(source is FileByteSource)
            total = InputOpener.fileSize(path: file)
        }
        let sample = try PrefixedByteSource.readPrefix(of: source, count: request.sampleBytes)
        let complete = sample.count < request.sampleBytes
        guard !sample.isEmpty else { throw InputError(file: file, problem: "the file is empty") }
        if let nul = sample.firstIndex(of: 0) {
            throw InputError(file: file, problem: "this looks like a binary file (a NUL byte at offset \(nul)); Sluice reads CSV, TSV, JSONL and JSON text")
        }
        let format = request.format ?? InputFormat.guess(fromName: file) ?? guessFromContent(sample)
        let stream = PrefixedByteSource(prefix: sample, rest: source)
        var prepared: PreparedInput
        switch format {
        case .json, .jsonl:
            prepared = try openJSON(request, sample: sample, stream: stream, total: total, format: format)
        case .csv, .tsv:
            prepared = try openCSV(request, sample: sample, complete: complete, stream: stream, total: total, format: format)
        }
        prepared.decoded = decoded
        return prepared
    }

    private static func guessFromContent(_ sample: [UInt8]) -> InputFormat {
        let first = sample.drop { [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }.first
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .jsonl : .csv
    }

    private static func openCSV(_ request: ImportRequest, sample: [UInt8], complete: Bool, stream: any ByteSource,
                                total: Int64?, format: InputFormat) throws -> PreparedInput {
        let file = request.input
        let delimiter = request.delimiter ?? (format == .tsv ? UInt8(ascii: "\t") : nil)
        let sniffed = try Sniffer(sampleBytes: request.sampleBytes).sniff(
            sample: sample, complete: complete,
            overrides: Sniffer.Overrides(delimiter: delimiter, quote: request.quote, hasHeader: request.hasHeader),
            fileName: file)
        if sniffed.dialect.hasHeader && sniffed.sampledRecords == 0 && complete {
            throw InputError(file: file, line: 1, problem: "the file has a header but no data rows; nothing to import")
        }
        let reader = try CSVRecordReader(source: stream, fileName: file, dialect: sniffed.dialect)
        // A header cell left empty (often a trailing delimiter) still names a column.
        let columns = (reader.header ?? sniffed.columns).enumerated().map { index, name in
            name.trimmingCharacters(in: .whitespaces).isEmpty ? "column_\(index + 1)" : name
        }
        return PreparedInput(reader: reader, format: format, columns: columns, sniffedTypes: sniffed.types,
                             headerLine: reader.headerLine, dialect: sniffed.dialect, bytesTotal: total)
    }

    private static func openJSON(_ request: ImportRequest, sample: [UInt8], stream: any ByteSource,
                                 total: Int64?, format: InputFormat) throws -> PreparedInput {
        let file = request.input
        let sampled = try JSONRecordReader.sample(source: MemoryByteSource(sample), fileName: file, sampleBytes: request.sampleBytes)
        guard !sampled.objects.isEmpty else { throw InputError(file: file, problem: "the file holds no JSON objects; nothing to import") }
        var columns = sampled.columns
        // Profile columns the sample never showed may still appear later in the file.
        let known = HeaderMatcher(names: columns)
        for spec in request.profile?.columns ?? [] where ([spec.name] + spec.aliases).allSatisfy({ known.index(of: $0) == nil }) {
            columns.append(spec.name)
        }
        let types = columns.map { name in Sniffer.type(of: sampled.objects.lazy.compactMap { $0[name] ?? nil }) }
        // Batches of about the CSV reader's size in memory: a JSON record carries its raw text and its decoded fields.
        let reader = JSONRecordReader(source: stream, fileName: file, layout: sampled.layout, columns: columns, batchRecords: 1024)
        return PreparedInput(reader: reader, format: format, columns: columns, sniffedTypes: types,
                             headerLine: nil, dialect: nil, bytesTotal: total)
    }
}
