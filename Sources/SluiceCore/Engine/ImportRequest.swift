import Foundation

/// The kinds of input Sluice reads.
public enum InputFormat: String, Sendable, CaseIterable {
    case csv, tsv, jsonl, json

    /// The format a file's name suggests (`.tsv`, `.jsonl.gz`, …), if any.
    public static func guess(fromName path: String) -> InputFormat? {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".tsv") || name.hasSuffix(".tab") { return .tsv }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        if name.hasSuffix(".json") { return .json }
        if name.hasSuffix(".csv") { return .csv }
        return nil
    }
}

/// Everything a user can ask of one import. Built by the CLI (or, later,
/// the web API and the workers) from flags, environment and profile.
public struct ImportRequest: Sendable {
    /// The input file's path; for a background job, the name the user gave
    /// it, for messages (the bytes are in `storedInput`).
    public var input: String
    /// A background job's stored copy of its input, read instead of `input`.
    public var storedInput: StoredBlob?
    /// The ranges the queuing process cut (a background job's).
    public var rangeHint: RangeHint?
    public var table: String?
    public var profile: Profile?
    public var format: InputFormat?
    public var delimiter: UInt8?
    public var quote: UInt8?
    /// nil: let the sniffer decide.
    public var hasHeader: Bool?
    public var encoding: InputEncoding
    public var mode: ImportMode?
    public var key: [String]
    public var dryRun: Bool
    /// Flags win over the profile's `errors:`.
    public var maxErrors: Int?
    public var maxErrorRatio: Double?
    public var alter: Bool
    public var workers: Int
    public var sampleBytes: Int
    public var emptyQuotedIsNull: Bool
    /// Chunks to cut the input into; each is written to the job's stage and
    /// the stage is published when the last one succeeds. nil: one pass in
    /// the foreground, and `ChunkPlanner.automaticCount` for a background job.
    public var chunks: Int?
    /// How many of a foreground chunked import's chunks run at once, each
    /// with its own reader, `workers` mapping threads and writer (a
    /// background job's chunks run on as many workers as there are).
    public var concurrency = 2

    public init(input: String, table: String? = nil, profile: Profile? = nil, format: InputFormat? = nil,
                delimiter: UInt8? = nil, quote: UInt8? = nil, hasHeader: Bool? = nil, encoding: InputEncoding = .utf8,
                mode: ImportMode? = nil, key: [String] = [], dryRun: Bool = false, maxErrors: Int? = nil,
                maxErrorRatio: Double? = nil, alter: Bool = false, workers: Int = 2, sampleBytes: Int = 1 << 20,
                emptyQuotedIsNull: Bool = false) {
        self.input = input
        self.table = table
        self.profile = profile
        self.format = format
        self.delimiter = delimiter
        self.quote = quote
        self.hasHeader = hasHeader
        self.encoding = encoding
        self.mode = mode
        self.key = key
        self.dryRun = dryRun
        self.maxErrors = maxErrors
        self.maxErrorRatio = maxErrorRatio
        self.alter = alter
        self.workers = workers
        self.sampleBytes = sampleBytes
        self.emptyQuotedIsNull = emptyQuotedIsNull
    }

    /// The budget in force: flags first, then the profile.
    public var errorBudget: ErrorBudget {
        ErrorBudget(maxErrors: maxErrors ?? profile?.errors.maxErrors,
                    maxRatio: maxErrorRatio ?? profile?.errors.maxRatio)
    }

    public var effectiveMode: ImportMode { mode ?? profile?.mode ?? .append }
}

extension ImportRequest {
    /// How fields of input in `dialect` are decoded for this import (for
    /// the mapper, and for the partitioner, which must read keys alike).
    func decoder(for dialect: CSVDialect?) -> FieldDecoder {
        FieldDecoder(quote: dialect?.quote ?? UInt8(ascii: "\""), emptyQuotedIsNull: emptyQuotedIsNull)
    }
}
