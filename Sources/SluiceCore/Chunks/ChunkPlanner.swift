import Foundation

/// Cuts a job's input into chunks: byte ranges of a plain UTF-8 CSV or
/// TSV file, cut at record starts (`ranges`), or, for input whose bytes
/// cannot be cut (JSON, gzip, another encoding), one chunk that reads the
/// whole input (`whole`).
public enum ChunkPlanner {
    /// Bytes of input per chunk when the user does not say how many chunks.
    public static let bytesPerChunk: Int64 = 32 << 20
    /// Most chunks the automatic rule makes.
    public static let automaticMaximum = 64

    /// The automatic chunk count: one per 32 MiB of input, from 1 to 64.
    public static func automaticCount(bytes: Int64) -> Int {
        Int(min(Int64(automaticMaximum), max(1, (bytes + bytesPerChunk - 1) / bytesPerChunk)))
    }

    /// The chunks for `input`: for an aggregating plan, `count` buckets of
    /// its records by the hash of the aggregate's key, written into
    /// `buckets` (`hash`); else `count` byte ranges (fewer when it has fewer
    /// records). One whole chunk when its bytes cannot be cut, or when an
    /// aggregating plan has no place for buckets.
    ///
    /// The input is `request.input`, or its stored copy when it has one.
    static func chunks(of input: PreparedInput, request: ImportRequest, count: Int, plan: ImportPlan, decoder: FieldDecoder,
                       buckets: BucketPlace?, cancellation: CancellationFlag) throws -> (ChunkStrategy, [ChunkSpec]) {
        let whole = (ChunkStrategy.whole, [ChunkSpec(index: 0)])
        guard let dialect = input.dialect, input.positional, !input.decoded, count > 1 else { return whole }
        let name = request.input
        if let aggregation = plan.aggregation {
            guard let buckets else { return whole }
            let key = try plan.partitionKey(by: aggregation.spec.by, file: name)
            let files = try partition(request, dialect: dialect, key: key, count: count, into: buckets, decoder: decoder,
                                      cancellation: cancellation)
            return (.hash, files.map { ChunkSpec(index: $0.index, bucketPath: $0.data.lastPathComponent) })
        }
        let ranges = try request.storedInput.map { stored in
            if let hinted = request.rangeHint?.ranges(for: dialect, count: count, size: input.bytesTotal) { return hinted }
            // The planner follows the quote state through the whole input, in memory: a store elsewhere lends a local copy.
            return try stored.store.withLocalFile(stored.key) { path in
                try RangePlanner.ranges(path: path, name: name, dialect: dialect, count: count, cancellation: cancellation)
            }
        } ?? RangePlanner.ranges(path: name, dialect: dialect, count: count, cancellation: cancellation)
        guard !ranges.isEmpty else { return whole }
        return (.ranges, ranges.enumerated().map { ChunkSpec(index: $0, range: $1) })
    }

    /// Writes the bucket files: straight into a directory, or into a
    /// temporary one whose files then move into the store.
    private static func partition(_ request: ImportRequest, dialect: CSVDialect, key: [PartitionKeyField], count: Int,
                                  into buckets: BucketPlace, decoder: FieldDecoder,
                                  cancellation: CancellationFlag) throws -> [BucketFile] {
        let source = try request.storedInput.map { try $0.store.read($0.key, range: nil) } ?? FileByteSource(path: request.input)
        switch buckets {
        case .directory(let directory):
            return try BucketPartitioner.partition(source: source, name: request.input, dialect: dialect, key: key, count: count,
                                                   into: directory, decoder: decoder, cancellation: cancellation)
        case let .stored(store, prefix):
            // A job planned again (its planner died) replaces the buckets of the first try.
            for name in try store.list(prefix: prefix) { try store.delete(name) }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-buckets-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let files = try BucketPartitioner.partition(source: source, name: request.input, dialect: dialect, key: key,
                                                        count: count, into: scratch, decoder: decoder, cancellation: cancellation)
            do {
                for file in files {
                    try store.adopt(prefix + file.data.lastPathComponent, file: file.data.path)
                    try store.adopt(prefix + file.lineMap.lastPathComponent, file: file.lineMap.path)
                }
            } catch {
                // A plan made again writes them all again; blobs are written once.
                for name in try store.list(prefix: prefix) { try? store.delete(name) }
                throw error
            }
            return files
        }
    }
}
