// TEMPORARY: stands in for helpers' files until they land. Delete.
public enum JSONLayout: Sendable { case lines, array }
public final class JSONRecordReader: RecordReader {
    public init(source: any ByteSource, fileName: String, layout: JSONLayout, columns: [String], batchRecords: Int = 2048) {}
    public var header: [String]? { nil }
    public func nextBatch() throws -> RecordBatch? { nil }
    public static func sample(source: any ByteSource, fileName: String, sampleBytes: Int) throws -> (layout: JSONLayout, columns: [String], objects: [[String: String?]]) { fatalError() }
}
