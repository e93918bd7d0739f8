import Foundation

/// Cuts a delimited file into bucket files by the hash of a partition key
/// (the `hash` strategy), for profiles that aggregate rows by key.
///
/// Byte ranges would split the rows of one key among chunks, and each chunk
/// would then aggregate part of the key: the key would come out several
/// times. Buckets gather every row of a key in one chunk instead, so each
/// chunk aggregates its bucket alone and every key is aggregated exactly once.
///
/// One pass with the record reader: each record's key fields are decoded
/// and hashed (`PartitionHash`, stable across processes), and the record's
/// original text is appended to its bucket, its line and offset to the
/// bucket's line map. Memory is one write buffer per bucket file, whatever
/// the input's size.
public enum BucketPartitioner {
    /// Writes `count` buckets of the data records of the plain UTF-8 file at
    /// `path` (after its header, when `dialect` has one) into `directory`,
    /// replacing bucket files already there, and returns them in order,
    /// empty ones included.
    ///
    /// `key` gives the key's fields; `decoder` must read fields as the
    /// mapper will (by default, `dialect`'s quote and `""` as text). A record
    /// with too few fields to hold the key goes to bucket 0, where the mapper
    /// rejects it with its line number.
    ///
    /// Throws `CancellationError` soon after `cancellation` is set, and
    /// `InputError` when the input cannot be read or a bucket written; in
    /// both cases the bucket files written so far are removed.
    public static func partition(path: String, dialect: CSVDialect, key: [PartitionKeyField], count: Int,
                                 into directory: URL, decoder: FieldDecoder? = nil,
                                 cancellation: CancellationFlag = CancellationFlag()) throws -> [BucketFile] {
        try partition(source: try FileByteSource(path: path), name: path, dialect: dialect, key: key, count: count,
                      into: directory, decoder: decoder, cancellation: cancellation)
    }

    /// The same for input read from `source` (a stored input), named `name` in messages.
    public static func partition(source: any ByteSource, name: String, dialect: CSVDialect, key: [PartitionKeyField], count: Int,
                                 into directory: URL, decoder: FieldDecoder? = nil,
                                 cancellation: CancellationFlag = CancellationFlag()) throws -> [BucketFile] {
        let count = max(1, count)
        if cancellation.isCancelled { throw CancellationError() }
        let reader = try CSVRecordReader(source: source, fileName: name, dialect: dialect)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InputError(file: directory.path, problem: "cannot create the directory for bucket files: \(error.localizedDescription)")
        }
        let set = try BucketSet(directory: directory, count: count)
        do {
            let decoder = decoder ?? FieldDecoder(quote: dialect.quote)
            let scratch = ScratchBuffer()
            while let batch = try reader.nextBatch() {
                if cancellation.isCancelled { throw CancellationError() }
                try batch.arena.withUnsafeBufferPointer { arena in
                    try batch.fields.withUnsafeBufferPointer { fields in
                        for record in batch.records {
                            let bucket = Self.bucket(of: record, fields: fields, arena: arena, key: key, decoder: decoder,
                                                     scratch: scratch, count: count)
                            let raw = UnsafeBufferPointer(rebasing: arena[Int(record.rawStart)..<Int(record.rawEnd)])
                            try set.append(raw, line: record.line, byteOffset: record.byteOffset, to: bucket)
                        }
                    }
                }
            }
            withExtendedLifetime(scratch) {}
            return try set.finish()
        } catch {
            set.discard()
            throw error
        }
    }

    /// Partitions by fields read as text: the key is the decoded bytes of
    /// the fields at `keyFields`.
    public static func partition(path: String, dialect: CSVDialect, keyFields: [Int], count: Int, into directory: URL,
                                 cancellation: CancellationFlag = CancellationFlag()) throws -> [BucketFile] {
        try partition(path: path, dialect: dialect, key: keyFields.map { PartitionKeyField(index: $0) }, count: count,
                      into: directory, cancellation: cancellation)
    }

    /// The bucket of one record: FNV-1a of its key fields' canonical text,
    /// with a separator byte between fields, modulo `count`.
    @inline(__always)
    static func bucket(of record: RecordInfo, fields: UnsafeBufferPointer<FieldSpan>, arena: UnsafeBufferPointer<UInt8>,
                       key: [PartitionKeyField], decoder: FieldDecoder, scratch: ScratchBuffer, count: Int) -> Int {
        var hash = PartitionHash()
        for (position, field) in key.enumerated() {
            guard field.index >= 0, field.index < Int(record.fieldCount) else { return 0 }
            if position > 0 { hash.combine(PartitionHash.separator) }
            let bytes = decoder.bytes(fields[Int(record.firstField) + field.index], in: arena, scratch: scratch)
            field.combine(bytes, into: &hash)
        }
        return PartitionHash.bucket(of: hash.value, count: count)
    }
}

/// The open files of one partitioning pass: a data file and a line map per bucket.
private final class BucketSet {
    private let directory: URL
    private var data: [BucketWriter] = []
    private var maps: [BucketWriter] = []
    private var records: [Int64]

    /// Up to 1 MiB of buffer per data file, but no more than 32 MiB in all;
    /// line maps take an eighth of that (16 bytes per record).
    init(directory: URL, count: Int) throws {
        self.directory = directory
        records = Array(repeating: 0, count: count)
        let bufferSize = min(1 << 20, max(64 << 10, (32 << 20) / count))
        do {
            for index in 0..<count {
                let names = BucketFile.names(index: index)
                data.append(try BucketWriter(path: directory.appendingPathComponent(names.data).path, bufferSize: bufferSize))
                maps.append(try BucketWriter(path: directory.appendingPathComponent(names.lineMap).path, bufferSize: bufferSize / 8))
            }
        } catch {
            discard()
            throw error
        }
    }

    @inline(__always)
    func append(_ raw: UnsafeBufferPointer<UInt8>, line: Int, byteOffset: Int64, to bucket: Int) throws {
        try data[bucket].append(raw)
        try data[bucket].append(UInt8(ascii: "\n"))
        try maps[bucket].appendLittleEndian(Int64(line))
        try maps[bucket].appendLittleEndian(byteOffset)
        records[bucket] += 1
    }

    func finish() throws -> [BucketFile] {
        for writer in data + maps { try writer.close() }
        return data.indices.map { index in
            BucketFile(index: index, data: URL(fileURLWithPath: data[index].path), lineMap: URL(fileURLWithPath: maps[index].path),
                       recordCount: records[index], byteSize: data[index].bytesWritten)
        }
    }

    /// Removes every file this pass created, so a failed or cancelled plan leaves none behind.
    func discard() {
        for writer in data + maps { try? FileManager.default.removeItem(atPath: writer.path) }
    }
}
