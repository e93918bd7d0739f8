import Foundation
@testable import SluiceCore
import SluiceTestSupport

/// Reads every record of a CSV text with Sluice's reader; NULL fields are nil.
func readRecords(_ text: String, dialect: CSVDialect = CSVDialect(hasHeader: false), blockSize: Int = 1 << 20,
                 batchRecords: Int = 4096) throws -> [[String?]] {
    try readRecords(Array(text.utf8), dialect: dialect, blockSize: blockSize, batchRecords: batchRecords).map(\.fields)
}

struct ReadRecord: Equatable {
    var line: Int
    var byteOffset: Int64
    var fields: [String?]
    var raw: String
}

func readRecords(_ bytes: [UInt8], dialect: CSVDialect, blockSize: Int = 1 << 20, batchRecords: Int = 4096,
                 chunked: Int? = nil) throws -> [ReadRecord] {
    let source: any ByteSource = chunked.map { ChunkedByteSource(bytes, pieceSize: $0) } ?? MemoryByteSource(bytes)
    let reader = try CSVRecordReader(source: source, fileName: "test.csv", dialect: dialect,
                                     batchRecords: batchRecords, blockSize: blockSize)
    return try readAll(reader, decoder: FieldDecoder(quote: dialect.quote))
}

/// Every record `reader` yields, with its line, offset, fields and raw text.
func readAll(_ reader: any RecordReader, decoder: FieldDecoder = FieldDecoder()) throws -> [ReadRecord] {
    var records: [ReadRecord] = []
    while let batch = try reader.nextBatch() {
        for record in batch.records {
            let fields = (0..<Int(record.fieldCount)).map {
                decoder.string(batch.fields[Int(record.firstField) + $0], in: batch.arena, lossy: true)
            }
            let raw = String(decoding: batch.arena[Int(record.rawStart)..<Int(record.rawEnd)], as: UTF8.self)
            records.append(ReadRecord(line: record.line, byteOffset: record.byteOffset, fields: fields, raw: raw))
        }
    }
    return records
}


/// A small, seedable random generator, so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A scratch directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
