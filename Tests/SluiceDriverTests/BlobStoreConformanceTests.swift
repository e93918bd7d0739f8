import Foundation
import Testing
import SluiceCore
import SluicePostgres
import SluiceTestSupport

/// Every blob store keeps the same promises: what goes in streams back out,
/// whole or by range; a key is written once; keys list by prefix; deleting
/// is final. The PostgreSQL store runs with small parts, so that ranges
/// cross part boundaries.
@Suite("Blob stores")
struct BlobStoreConformanceTests {
    enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
        case local, postgres
        var testDescription: String { rawValue }
    }

    static let partSize = 65_536

    /// Runs `body` with an empty store of `kind`; nil when PostgreSQL cannot run here (outside CI).
    private func withStore(_ kind: StoreKind, _ body: (any BlobStore, DriverUnderTest?) throws -> Void) throws {
        try withStores(kind) { store, _, database in try body(store, database) }
    }

    /// The same with a second store on the same storage, as another process would open it.
    private func withStores(_ kind: StoreKind, writerTimeout: TimeInterval = 30,
                            _ body: (any BlobStore, any BlobStore, DriverUnderTest?) throws -> Void) throws {
        switch kind {
        case .local:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-blobs-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            try body(LocalBlobStore(directory: directory.path), LocalBlobStore(directory: directory.path), nil)
        case .postgres:
            guard let database = try DriverUnderTest.make(.postgres), let driver = database.driver as? PostgresDriver else { return }
            try body(try PostgresBlobStore(url: driver.url, partSize: Self.partSize, writerTimeout: writerTimeout),
                     try PostgresBlobStore(url: driver.url, partSize: Self.partSize, writerTimeout: writerTimeout), database)
        }
    }

    private func readAll(_ source: any ByteSource) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 10_007)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return out }
            out += buffer[..<count]
        }
    }

    private static let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }

    @Test("a stored stream reads back whole and by any byte range", arguments: StoreKind.allCases)
    func roundTrip(_ kind: StoreKind) throws {
        try withStore(kind) { store, _ throws in
            #expect(try store.put("job-1/input", from: ChunkedByteSource(Self.bytes, pieceSize: 9_999)) == 300_000)
            #expect(try store.size(of: "job-1/input") == 300_000)
            #expect(try readAll(store.read("job-1/input", range: nil)) == Self.bytes)
            let part = Int64(Self.partSize)
            for range in [0..<1, part - 5..<part + 5, 3..<2 * part + 7, 299_990..<300_000, 100..<100] {
                let expected = Array(Self.bytes[Int(range.lowerBound)..<Int(range.upperBound)])
                #expect(try readAll(store.read("job-1/input", range: range)) == expected, "\(range)")
            }
            #expect(throws: BlobStoreError.self) { try store.read("job-1/input", range: 10..<300_001) }
            // Edges: nothing at all, and exactly two parts.
            #expect(try store.put("job-1/empty", from: MemoryByteSource([])) == 0)
            #expect(try readAll(store.read("job-1/empty", range: nil)) == [])
            let even = Array(Self.bytes.prefix(2 * Self.partSize))
            #expect(try store.put("job-1/even", from: MemoryByteSource(even)) == Int64(even.count))
            #expect(try readAll(store.read("job-1/even", range: nil)) == even)
        }
    }

    @Test("blobs are written once, listed by prefix (taken literally), deleted", arguments: StoreKind.allCases)
    func lifecycle(_ kind: StoreKind) throws {
        try withStore(kind) { store, _ throws in
            try store.put("job_1/input", from: MemoryByteSource("a"))
            try store.put("job_1/bucket-0", from: MemoryByteSource("b"))
            try store.put("jobX1/input", from: MemoryByteSource("c"))
            #expect(throws: BlobStoreError(key: "job_1/input", problem: "already stored; blobs are written once")) {
                try store.put("job_1/input", from: MemoryByteSource("again"))
            }
            #expect(try readAll(store.read("job_1/input", range: nil)) == Array("a".utf8), "the refused write left the blob as it was")
            #expect(try store.list(prefix: "job_1/") == ["job_1/bucket-0", "job_1/input"])
            try store.delete("job_1/input")
            try store.delete("job_1/input")
            #expect(try store.list(prefix: "job") == ["jobX1/input", "job_1/bucket-0"], "in byte order")
            #expect(throws: BlobStoreError.self) { try store.size(of: "job_1/input") }
            #expect(throws: BlobStoreError.self) { try store.read("job_1/input", range: nil) }
            #expect(throws: BlobStoreError.self) { try store.put("../escape", from: MemoryByteSource("x")) }
        }
    }

    @Test("a blob put with its size may be read from the moment its store says so: on PostgreSQL before the last part is in", arguments: StoreKind.allCases)
    func readWhileWritten(_ kind: StoreKind) throws {
        try withStores(kind) { writer, reader, database throws in
            let readable = DispatchSemaphore(value: 0), looked = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
            nonisolated(unsafe) let writing = writer
            Thread {
                // About 40 ms per part: the reader catches up with the writer and waits for parts.
                _ = try? writing.put("job-1/input", from: SlowByteSource(Self.bytes, pieceSize: 8_192, pause: 0.005),
                                     size: Int64(Self.bytes.count)) {
                    readable.signal()
                    looked.wait()  // the writer goes on once the test has looked at the blob
                }
                finished.signal()
            }.start()
            #expect(readable.wait(timeout: .now() + 30) == .success)
            let complete = try database?.rows("SELECT CAST(sha256 IS NOT NULL AS TEXT) FROM sluice.blobs")[0][0]
            looked.signal()
            if database != nil { #expect(complete == "false", "readable before its SHA-256 was stored") }
            #expect(try readAll(reader.read("job-1/input", range: nil)) == Self.bytes)
            #expect(try readAll(reader.read("job-1/input", range: 70_000..<250_000)) == Array(Self.bytes[70_000..<250_000]))
            #expect(finished.wait(timeout: .now() + 30) == .success)
            // A source that does not hold the size given leaves nothing.
            #expect(throws: BlobStoreError(key: "job-2/input", problem: "the file changed while it was stored: 300000 bytes, not 300001")) {
                try writer.put("job-2/input", from: MemoryByteSource(Self.bytes), size: 300_001) {}
            }
            #expect(try reader.list(prefix: "job-") == ["job-1/input"])
        }
    }

    @Test("a reader waiting for a part whose writer stopped fails, naming the part")
    func writerStopped() throws {
        try withStores(.postgres, writerTimeout: 1) { writer, reader, database throws in
            guard let database else { return }
            try writer.put("job-1/input", from: MemoryByteSource(Self.bytes), size: Int64(Self.bytes.count)) {}
            // As a writer that died after part 1 leaves it: no SHA-256, no part 2, its last part written long ago.
            try database.execute("UPDATE sluice.blobs SET sha256 = NULL, written_at = now() - interval '1 minute'")
            try database.execute("DELETE FROM sluice.blob_parts WHERE part >= 2")
            #expect(try readAll(reader.read("job-1/input", range: 0..<100_000)) == Array(Self.bytes[..<100_000]))
            #expect(throws: BlobStoreError(key: "job-1/input", problem: "part 2 was never stored: the process storing the file stopped")) {
                _ = try readAll(reader.read("job-1/input", range: 100_000..<200_000))
            }
        }
    }

    @Test("a damaged part is found by its checksum or its length; a read that does not touch it still works")
    func damage() throws {
        try withStore(.postgres) { store, database throws in
            guard let database else { return }
            try store.put("job-1/input", from: MemoryByteSource(Self.bytes))
            let part = Int64(Self.partSize)
            func failure(_ range: Range<Int64>?) -> String? {
                do {
                    _ = try readAll(store.read("job-1/input", range: range))
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            // One byte changed inside part 1.
            try database.execute("UPDATE sluice.blob_parts SET data = overlay(data PLACING '\\x00'::bytea FROM 100) WHERE key = 'job-1/input' AND part = 1")
            #expect(failure(nil) == "stored file job-1/input: part 1 does not match its SHA-256: it is damaged")
            #expect(failure(part + 10..<part + 20) != nil)
            #expect(failure(0..<part) == nil, "part 0 is intact")
            // A part cut short, and one gone.
            try database.execute("UPDATE sluice.blob_parts SET data = substring(data FROM 1 FOR 10) WHERE key = 'job-1/input' AND part = 2")
            #expect(failure(2 * part..<2 * part + 1) == "stored file job-1/input: part 2 holds 10 bytes, not 65536: it is damaged")
            try database.execute("DELETE FROM sluice.blob_parts WHERE key = 'job-1/input' AND part = 3")
            #expect(failure(3 * part..<3 * part + 1) == "stored file job-1/input: part 3 is missing from the database")
        }
    }
}

/// Hands out its bytes a piece at a time, pausing before each: a slow disk or network.
final class SlowByteSource: ByteSource {
    private let base: ChunkedByteSource
    private let pause: TimeInterval

    init(_ bytes: [UInt8], pieceSize: Int, pause: TimeInterval) {
        base = ChunkedByteSource(bytes, pieceSize: pieceSize)
        self.pause = pause
    }

    var bytesConsumed: Int64 { base.bytesConsumed }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        Thread.sleep(forTimeInterval: pause)
        return try base.read(into: buffer)
    }
}
