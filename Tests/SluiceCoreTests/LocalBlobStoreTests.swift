import Foundation
import Testing
@testable import SluiceCore

@Suite("The local blob store")
struct LocalBlobStoreTests {
    func readAll(_ source: any ByteSource) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 7)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return out }
            out += buffer[..<count]
        }
    }

    @Test("a stored stream reads back whole and by byte range")
    func putAndRead() throws {
        let directory = try TemporaryDirectory()
        let store = try LocalBlobStore(directory: directory.path("storage"))
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(try store.put("job-1/input", from: ChunkedByteSource(bytes, pieceSize: 65_537)) == 3_000_000)
        #expect(try store.size(of: "job-1/input") == 3_000_000)
        #expect(try readAll(store.read("job-1/input", range: nil)) == bytes)
        #expect(try readAll(store.read("job-1/input", range: 1_000_001..<1_000_100)) == Array(bytes[1_000_001..<1_000_100]))
        #expect(throws: BlobStoreError.self) { try store.read("job-1/input", range: 10..<3_000_001) }
    }

    @Test("blobs are written once, listed by prefix, deleted")
    func lifecycle() throws {
        let directory = try TemporaryDirectory()
        let store = try LocalBlobStore(directory: directory.path("storage"))
        try store.put("job-1/input", from: MemoryByteSource("a"))
        try store.put("job-1/bucket-0", from: MemoryByteSource("b"))
        try store.put("job-2/input", from: MemoryByteSource("c"))
        #expect(throws: BlobStoreError(key: "job-1/input", problem: "already stored; blobs are written once")) {
            try store.put("job-1/input", from: MemoryByteSource("again"))
        }
        #expect(try store.list(prefix: "job-1/") == ["job-1/bucket-0", "job-1/input"])
        try store.delete("job-1/input")
        try store.delete("job-1/input")
        #expect(try store.list(prefix: "job-") == ["job-1/bucket-0", "job-2/input"])
        #expect(throws: BlobStoreError.self) { try store.size(of: "job-1/input") }
    }

    @Test("keys are Sluice's own names: nothing that could climb out of the directory",
          arguments: ["../etc/passwd", "/abs", "a//b", "a/./b", "plans 2024.csv", "", "x/..", "a\\b"])
    func unsafeKeys(key: String) throws {
        let directory = try TemporaryDirectory()
        let store = try LocalBlobStore(directory: directory.path("storage"))
        #expect(throws: BlobStoreError.self) { try store.put(key, from: MemoryByteSource("x")) }
    }
}
