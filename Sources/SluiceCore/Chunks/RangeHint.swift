/// Byte ranges cut by the process that queues a background job, on its
/// local copy of the input, and kept with the job's request.
///
/// Cutting needs the quote state at every cut, which only a scan from the
/// input's start can know (`RangePlanner`). A worker planning a job whose
/// input is stored elsewhere (the database) would have to fetch all of it
/// for that scan; the queuing process has the file at hand, and the scan
/// costs it a tenth of a second. The planner still sniffs and checks the
/// plan itself, and uses the hint only when it was cut for the very
/// dialect, chunk count and input size the planner finds; otherwise it
/// scans as before.
public struct RangeHint: Codable, Sendable, Equatable {
    public var delimiter: UInt8
    public var quote: UInt8
    public var hasHeader: Bool
    public var count: Int
    public var size: Int64
    public var ranges: [ByteRange]

    /// The ranges a worker's planner would cut for `request`'s input (a
    /// local file); nil when it would cut none (JSON, gzip, another
    /// encoding, an aggregating profile, one chunk) or the file cannot be
    /// read: the worker then finds out, and says so in the job.
    public static func cut(for request: ImportRequest) -> RangeHint? {
        guard request.profile?.aggregate == nil, let input = try? PreparedInput.open(request), let dialect = input.dialect,
              input.positional, !input.decoded, let size = input.bytesTotal else { return nil }
        let count = request.chunks ?? ChunkPlanner.automaticCount(bytes: size)
        guard count > 1, let ranges = try? RangePlanner.ranges(path: request.input, dialect: dialect, count: count),
              !ranges.isEmpty else { return nil }
        return RangeHint(delimiter: dialect.delimiter, quote: dialect.quote, hasHeader: dialect.hasHeader, count: count,
                         size: size, ranges: ranges)
    }

    /// The ranges, when they were cut for `dialect`, `count` chunks and an input of `size` bytes.
    func ranges(for dialect: CSVDialect, count: Int, size: Int64?) -> [ByteRange]? {
        guard dialect == CSVDialect(delimiter: delimiter, quote: quote, hasHeader: hasHeader), count == self.count,
              size == self.size else { return nil }
        return ranges
    }
}
