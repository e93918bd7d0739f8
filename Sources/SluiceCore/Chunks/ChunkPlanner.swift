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
    /// aggregating plan has no directory for buckets.
    static func chunks(of input: PreparedInput, path: String, count: Int, plan: ImportPlan, decoder: FieldDecoder,
                       buckets: URL?, cancellation: CancellationFlag) throws -> (ChunkStrategy, [ChunkSpec]) {
        let whole = (ChunkStrategy.whole, [ChunkSpec(index: 0)])
        guard let dialect = input.dialect, input.positional, !input.decoded, count > 1 else { return whole }
        if let aggregation = plan.aggregation {
            guard let buckets else { return whole }
            let key = try plan.partitionKey(by: aggregation.spec.by, file: path)
            let files = try BucketPartitioner.partition(path: path, dialect: dialect, key: key, count: count, into: buckets,
                                                        decoder: decoder, cancellation: cancellation)
            return (.hash, files.map { ChunkSpec(index: $0.index, bucketPath: $0.data.lastPathComponent) })
        }
        let ranges = try RangePlanner.ranges(path: path, dialect: dialect, count: count, cancellation: cancellation)
        guard !ranges.isEmpty else { return whole }
        return (.ranges, ranges.enumerated().map { ChunkSpec(index: $0, range: $1) })
    }

    /// Where a background job's bucket files go in the storage directory.
    public static func bucketDirectory(jobID: Int64, in storage: LocalBlobStore) -> URL {
        storage.directory.appendingPathComponent("job-\(jobID)/buckets", isDirectory: true)
    }
}
