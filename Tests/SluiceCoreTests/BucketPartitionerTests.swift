import Foundation
import Testing
@testable import SluiceCore

@Suite("Partitioning into buckets by key")
struct BucketPartitionerTests {
    /// Keys repeat all over the file, quoted or not; notes span lines and
    /// hold text that looks like records; the first data field opens with
    /// U+FEFF, which only the file's own byte order mark may be taken for.
    static func scattered(records: Int) -> String {
        var text = "\u{FEFF}key,note,amount\n"
        for id in 1...records {
            let key = id == 1 ? "\u{FEFF}k" : "k\((id * 7) % 23)"
            let keyField = id % 4 == 0 ? "\"\(key)\"" : key
            let note = id % 3 == 0 ? "\"line one\n\(id + 1),fake,\"\"9\"\"\r\nlast\"" : "\"a\nb\nc \(id)\""
            text += "\(keyField),\(note),\(id * 7)\(id % 5 == 0 ? "\r\n" : "\n")"
            if id % 50 == 0 { text += "\n" }  // blank lines count as lines, never as records
        }
        return text
    }

    func original(_ path: String) throws -> [ReadRecord] {
        try readRecords(Array(try Data(contentsOf: URL(fileURLWithPath: path))), dialect: .csv)
    }

    @Test("every record lands in one bucket, every key in one bucket, and buckets read back with the file's lines and offsets",
          arguments: [1, 3, 8])
    func bucketsReadBackExactly(count: Int) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("s.csv", Self.scattered(records: 1_500))
        let buckets = try BucketPartitioner.partition(path: path, dialect: .csv, keyFields: [0], count: count,
                                                      into: directory.url.appendingPathComponent("buckets"))
        #expect(buckets.map(\.index) == Array(0..<count))
        var bucketOfKey: [String: Int] = [:]
        var pieces: [ReadRecord] = []
        for bucket in buckets {
            let records = try readAll(try BucketRecordReader(bucket: bucket, dialect: .csv))
            #expect(Int64(records.count) == bucket.recordCount)
            #expect(bucket.byteSize == InputOpener.fileSize(path: bucket.data.path))
            #expect(records.map(\.line) == records.map(\.line).sorted(), "a bucket keeps the input's order")
            for record in records {
                let key = try #require(record.fields[0])
                #expect(bucketOfKey[key, default: bucket.index] == bucket.index, "key \(key) is in two buckets")
                bucketOfKey[key] = bucket.index
            }
            pieces += records
        }
        let whole = try original(path)
        #expect(whole.count == 1_500)
        #expect(whole[0].fields[0] == "\u{FEFF}k")
        #expect(pieces.sorted { $0.line < $1.line } == whole)
        #expect(bucketOfKey.count == 24)
        if count > 1 { #expect(Set(bucketOfKey.values).count > 1, "the keys spread over the buckets") }
    }

    @Test("the hash is FNV-1a 64 with a 0x1F between fields, and a fixed key has a fixed bucket")
    func hashIsStable() throws {
        #expect(PartitionHash.hash(key: []) == 0xCBF2_9CE4_8422_2325)
        #expect(PartitionHash.hash(key: ["a"]) == 0xAF63_DC4C_8601_EC8C)
        #expect(PartitionHash.hash(key: ["foobar"]) == 0x8594_4171_F739_67E8)
        #expect(PartitionHash.hash(key: ["ab", "c"]) != PartitionHash.hash(key: ["a", "bc"]))
        #expect(PartitionHash.hash(key: ["node-42", "A100"]) == 0x695F_587A_B0C5_B069)
        #expect(PartitionHash.bucket(of: PartitionHash.hash(key: ["node-42", "A100"]), count: 8) == 1)

        let directory = try TemporaryDirectory()
        let path = try directory.write("f.csv", "node,gpu,n\nnode-42,A100,1\n\"node-42\",\"A100\",2\n")
        let buckets = try BucketPartitioner.partition(path: path, dialect: .csv, keyFields: [0, 1], count: 8, into: directory.url)
        #expect(buckets.map(\.recordCount) == [0, 2, 0, 0, 0, 0, 0, 0])
    }

    @Test("typed keys are hashed as the mapper reads them: -0 is 0, yes is true, +1.5 is 1.5, empty is the default")
    func typedKeys() throws {
        let directory = try TemporaryDirectory()
        // Group A three ways (as text, the first would go to bucket 15); group B, whose `""` is text, not NULL.
        let text = "n,b,d,t\n" + String(repeating: "-0,yes,+1.5,x\n0,true,1.5,\n0,1,1.5,x\n0,1,1.5,\"\"\n", count: 40)
        let path = try directory.write("t.csv", text)
        let key = [PartitionKeyField(index: 0, type: .integer), PartitionKeyField(index: 1, type: .boolean),
                   PartitionKeyField(index: 2, type: .decimal), PartitionKeyField(index: 3, type: .text, defaultValue: "x")]
        let buckets = try BucketPartitioner.partition(path: path, dialect: .csv, key: key, count: 16, into: directory.url)
        #expect(PartitionHash.bucket(of: PartitionHash.hash(key: ["-0", "yes", "+1.5", "x"]), count: 16) == 15)
        #expect(PartitionHash.bucket(of: PartitionHash.hash(key: ["0", "1", "1.5", "x"]), count: 16) == 13)
        #expect(PartitionHash.bucket(of: PartitionHash.hash(key: ["0", "1", "1.5", ""]), count: 16) == 7)
        #expect(buckets.map(\.recordCount) == (0..<16).map { $0 == 13 ? 120 : $0 == 7 ? 40 : 0 })
    }

    @Test("a record too short to hold the key goes to bucket 0")
    func shortRecords() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("short.csv", "a,b,c\nonly\n1,2,3\n")
        let buckets = try BucketPartitioner.partition(path: path, dialect: .csv, keyFields: [2], count: 4, into: directory.url)
        let first = try readAll(try BucketRecordReader(bucket: buckets[0], dialect: .csv))
        #expect(first.first == ReadRecord(line: 2, byteOffset: 6, fields: ["only"], raw: "only"))
        #expect(buckets.map(\.recordCount).reduce(0, +) == 2)
    }

    @Test("a corrupt line map is an error that names the bucket file, never wrong line numbers",
          arguments: ["one entry short", "one entry too many", "cut mid-entry", "out of order", "empty"])
    func corruptLineMap(damage: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("c.csv", "k,v\n" + (1...10).map { "\"k\n\($0 % 2)\",\($0)\n" }.joined())
        let bucket = try #require(try BucketPartitioner.partition(path: path, dialect: .csv, keyFields: [0], count: 1,
                                                                  into: directory.url).first)
        var map = Array(try Data(contentsOf: bucket.lineMap))
        #expect(map.count == 10 * BucketFile.lineMapEntrySize)
        switch damage {
        case "one entry short": map.removeLast(16)
        case "one entry too many": map += map.suffix(16).enumerated().map { [0, 8].contains($0.offset) ? $0.element &+ 2 : $0.element }
        case "cut mid-entry": map.removeLast(3)
        case "out of order": map.replaceSubrange(16..<32, with: map[0..<16])
        default: map = []
        }
        try Data(map).write(to: bucket.lineMap)
        do {
            _ = try readAll(try BucketRecordReader(bucket: bucket, dialect: .csv))
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.file == bucket.data.path)
            #expect(error.problem.contains("corrupt bucket file"), "\(error)")
        }
    }

    @Test("a cancelled partition throws CancellationError and leaves no bucket files")
    func cancelled() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("x.csv", Self.scattered(records: 100))
        let flag = CancellationFlag()
        flag.cancel()
        let target = directory.url.appendingPathComponent("b")
        #expect(throws: CancellationError.self) {
            try BucketPartitioner.partition(path: path, dialect: .csv, keyFields: [0], count: 3, into: target, cancellation: flag)
        }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: target.path))?.isEmpty ?? true)
    }

    @Test("an unreadable input is an InputError that names it")
    func missingInput() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: InputError(file: directory.path("none.csv"), problem: "no such file")) {
            try BucketPartitioner.partition(path: directory.path("none.csv"), dialect: .csv, keyFields: [0], count: 2, into: directory.url)
        }
    }
}
