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
}
