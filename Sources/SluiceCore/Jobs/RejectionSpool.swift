import Foundation

/// Keeps an import's rejected rows on disk until the job ends.
///
/// Rejections cannot go straight into the control tables: while SQLite
/// imports, the one write transaction is busy with the target, and a failed
/// job rolls that transaction back but must still record why. So they are
/// appended to a temporary file (`RejectionCoding`) and read back once,
/// into the job's final transaction or the rejects file. Memory stays flat
/// however many rows are rejected.
public final class RejectionSpool {
    public private(set) var count = 0
    /// The first few, kept in memory for the end-of-import message.
    public private(set) var first: [Rejection] = []
    private let url: URL
    private let handle: FileHandle
    private var pending = Data()

    public init(directory: URL = FileManager.default.temporaryDirectory) throws {
        url = directory.appendingPathComponent("sluice-rejects-\(UUID().uuidString).jsonl")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forUpdating: url)
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    public func append(_ rejection: Rejection) throws {
        if first.count < 10 { first.append(rejection) }
        RejectionCoding.append(rejection, to: &pending)
        count += 1
        if pending.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        try handle.seekToEnd()
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with the rejections in the order they were added, a few hundred at a time.
    public func forEachChunk(_ body: ([Rejection]) throws -> Void) throws {
        try flush()
        try handle.seek(toOffset: 0)
        var chunk: [Rejection] = []
        var carry = Data()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            carry.append(data)
            let consumed = carry.withUnsafeBytes { bytes -> Int in
                var offset = 0
                while let rejection = RejectionCoding.read(bytes, at: &offset) { chunk.append(rejection) }
                return offset
            }
            carry.removeSubrange(carry.startIndex..<(carry.startIndex + consumed))
            if chunk.count >= 500 { try body(chunk); chunk.removeAll(keepingCapacity: true) }
        }
        if !chunk.isEmpty { try body(chunk) }
        try handle.seekToEnd()
    }
}
