import Foundation
import Testing
@testable import SluiceCore

/// What every blob store promises is in `BlobStoreConformanceTests`; this is the local store's own.
@Suite("The local blob store")
struct LocalBlobStoreTests {
    @Test("keys are Sluice's own names: nothing that could climb out of the directory",
          arguments: ["../etc/passwd", "/abs", "a//b", "a/./b", "plans 2024.csv", "", "x/..", "a\\b"])
    func unsafeKeys(key: String) throws {
        let directory = try TemporaryDirectory()
        let store = LocalBlobStore(directory: directory.path("storage"))
        #expect(throws: BlobStoreError.self) { try store.put(key, from: MemoryByteSource("x")) }
    }

    @Test("a file cut short while it is read is damaged, not ended: the read fails, and may be tried again")
    func cutShortWhileRead() throws {
        let directory = try TemporaryDirectory()
        let store = LocalBlobStore(directory: directory.path("storage"))
        try store.put("job-1/input", from: MemoryByteSource(String(repeating: "a", count: 100_000)))
        let source = try store.read("job-1/input", range: 10..<90_000)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path("storage/job-1/input")))
        try handle.truncate(atOffset: 50_000)
        try handle.close()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var read = 0
        let error = #expect(throws: BlobStoreError.self) {
            while true {
                let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if count == 0 { break }
                read += count
            }
        }
        #expect(read == 49_990)
        #expect(error?.description == "stored file job-1/input: it ended 40000 bytes short of the 89990 read: it is damaged")
        #expect(error?.isTransient == true)
    }

    @Test("the directory is made by the first file stored, not before")
    func directoryMadeOnFirstPut() throws {
        let directory = try TemporaryDirectory()
        let store = LocalBlobStore(directory: directory.path("storage"))
        #expect(try store.list(prefix: "job-1/") == [])
        #expect(!FileManager.default.fileExists(atPath: directory.path("storage")))
        try store.put("job-1/input", from: MemoryByteSource("x"))
        #expect(try store.list(prefix: "job-1/") == ["job-1/input"])
    }
}
