import Foundation

/// One bucket of a `hash` plan: the records whose partition key hashes to
/// `index`, as a headerless delimited file, and where each came from.
///
/// The data file holds each record's original text followed by `\n`, in the
/// order of the input. The line map holds, for record i of the data file,
/// its line and byte offset in the original file, as two little-endian
/// 64-bit integers, so that rejects report positions in the file the user
/// has (see `BucketRecordReader`).
public struct BucketFile: Sendable, Equatable, Codable {
    public var index: Int
    public var data: URL
    public var lineMap: URL
    public var recordCount: Int64
    /// Size of the data file in bytes.
    public var byteSize: Int64

    public init(index: Int, data: URL, lineMap: URL, recordCount: Int64, byteSize: Int64) {
        self.index = index
        self.data = data
        self.lineMap = lineMap
        self.recordCount = recordCount
        self.byteSize = byteSize
    }

    /// Bytes per line map entry: line, then offset.
    public static let lineMapEntrySize = 16

    /// The file names of bucket `index`, zero-padded so they sort in order.
    public static func names(index: Int) -> (data: String, lineMap: String) {
        let number = String(index)
        let padded = String(repeating: "0", count: max(0, 4 - number.count)) + number
        return ("bucket-\(padded).data", "bucket-\(padded).lines")
    }
}
