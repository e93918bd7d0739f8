/// Reads one bucket of a `hash` plan (see `BucketPartitioner`): its records,
/// with the lines and byte offsets they have in the original file.
///
/// A bucket's data file is a headerless delimited file of records taken from
/// all over the input; read as it is, record i would be on some line of the
/// bucket, which means nothing to the user. The line map says where record i
/// came from, and every batch is rewritten with those positions, so rejects
/// and errors point into the file the user has. A map with fewer or more
/// entries than the bucket has records is an error, never a guess: a wrong
/// line number in a rejects file is worse than a failed chunk.
public final class BucketRecordReader: RecordReader {
    /// The bucket's data file, as named in errors.
    public let fileName: String
    /// A bucket has no header: the planner read it from the original file.
    public var header: [String]? { nil }

    private let reader: CSVRecordReader
    private let map: LineMapReader
    private var pending: LineMapReader.Entry?
    private var records = 0

    /// `dialect` is the original file's; its header setting does not matter.
    public convenience init(dataPath: String, lineMapPath: String, dialect: CSVDialect, batchRecords: Int = 2048) throws {
        try self.init(data: try FileByteSource(path: dataPath), lineMap: try FileByteSource(path: lineMapPath), name: dataPath,
                      dialect: dialect, batchRecords: batchRecords)
    }

    /// A bucket read from two sources (stored blobs); `name` names its data in messages.
    public init(data: any ByteSource, lineMap: any ByteSource, name: String, dialect: CSVDialect, batchRecords: Int = 2048) throws {
        fileName = name
        map = LineMapReader(source: lineMap, bucketName: name)
        pending = try map.next()
        var dialect = dialect
        dialect.hasHeader = false
        // The start offset only tells the reader whether a byte order mark may
        // open the file: the original's was skipped before any record was cut,
        // so bytes EF BB BF at the start of a bucket are a field's text.
        reader = try CSVRecordReader(source: data, fileName: name, dialect: dialect,
                                     batchRecords: batchRecords, startLine: 1, startOffset: pending?.byteOffset ?? 0)
    }

    public convenience init(bucket: BucketFile, dialect: CSVDialect, batchRecords: Int = 2048) throws {
        try self.init(dataPath: bucket.data.path, lineMapPath: bucket.lineMap.path, dialect: dialect, batchRecords: batchRecords)
    }

    public func nextBatch() throws -> RecordBatch? {
        guard var batch = try reader.nextBatch() else {
            if pending != nil {
                throw map.corrupt("its line map has more entries than its \(records) records")
            }
            return nil
        }
        for index in batch.records.indices {
            guard let entry = pending else {
                throw map.corrupt("its line map ends after \(records) entries, but the bucket has more records")
            }
            batch.records[index].line = entry.line
            batch.records[index].byteOffset = entry.byteOffset
            records += 1
            pending = try map.next()
        }
        return batch
    }
}
