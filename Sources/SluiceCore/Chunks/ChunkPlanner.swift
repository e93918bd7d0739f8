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

    /// The chunks for `input`: `count` byte ranges when its bytes can be cut
    /// (fewer when it has fewer records), else one whole chunk.
    static func chunks(of input: PreparedInput, path: String, count: Int,
                       cancellation: CancellationFlag) throws -> (ChunkStrategy, [ChunkSpec]) {
        guard let dialect = input.dialect, input.positional, !input.decoded, count > 1 else { return (.whole, [ChunkSpec(index: 0)]) }
        let ranges = try RangePlanner.ranges(path: path, dialect: dialect, count: count, cancellation: cancellation)
        guard !ranges.isEmpty else { return (.whole, [ChunkSpec(index: 0)]) }
        return (.ranges, ranges.enumerated().map { ChunkSpec(index: $0, range: $1) })
    }
}
