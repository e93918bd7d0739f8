import Foundation

/// Keeps an import's rejected rows until the job ends.
///
/// Rejections cannot go straight into the control tables: while SQLite
/// imports, the one write transaction is busy with the target, and a failed
/// job rolls that transaction back but must still record why. So they are
/// kept, and read back once, into the job's final transaction or the
/// rejects file.
///
/// The first ones stay in memory, up to `heldLimit` rejections and
/// `heldBytes` of their text: writing and reading back the 4,995 of the
/// plans file took about 30 ms at the end of an import, while the database
/// waited. Past either limit, all of them go to a temporary file
/// (`RejectionCoding`), so memory stays flat however many rows are rejected
/// and however long they are.
public final class RejectionSpool {
    public private(set) var count = 0
    /// The first few, kept in memory for the end-of-import message.
    public private(set) var first: [Rejection] = []
    /// Every rejection, until there are more than `heldLimit` or they hold more than `heldBytes`.
    private var held: [Rejection] = []
    private var heldSize = 0
    private let heldLimit: Int
    private let heldBytes: Int
    private let directory: URL
    private var file: (url: URL, handle: FileHandle)?
    private var pending = Data()

    public init(directory: URL = FileManager.default.temporaryDirectory, heldLimit: Int = 10_000,
                heldBytes: Int = 16 << 20) throws {
        self.directory = directory
        self.heldLimit = heldLimit
        self.heldBytes = heldBytes
    }

    /// Whether the rejections went to the file (for tests).
    var isOnDisk: Bool { file != nil }

    deinit {
        guard let file else { return }
        try? file.handle.close()
        try? FileManager.default.removeItem(at: file.url)
    }

    public func append(_ rejection: Rejection) throws {
        if first.count < 10 { first.append(rejection) }
        count += 1
        if file == nil {
            heldSize += Self.textSize(of: rejection)
            if held.count < heldLimit && heldSize <= heldBytes {
                held.append(rejection)
                return
            }
        }
        if file == nil { try spill() }
        RejectionCoding.append(rejection, to: &pending)
        if pending.count >= 1 << 16 { try flush() }
    }

    /// About what a rejection's text takes in memory (its line twice: as read, and in its fields).
    private static func textSize(of rejection: Rejection) -> Int {
        2 * rejection.original.utf8.count + rejection.errors.reduce(0) { $0 + $1.message.utf8.count + ($1.value?.utf8.count ?? 0) }
    }

    /// Moves the held rejections to a new temporary file, which takes every later one.
    private func spill() throws {
        let url = directory.appendingPathComponent("sluice-rejects-\(UUID().uuidString).jsonl")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        file = (url, try FileHandle(forUpdating: url))
        for rejection in held { RejectionCoding.append(rejection, to: &pending) }
        held = []
        try flush()
    }

    private func flush() throws {
        guard let handle = file?.handle, !pending.isEmpty else { return }
        try handle.seekToEnd()
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with the rejections in the order they were added, a few hundred at a time.
    public func forEachChunk(_ body: ([Rejection]) throws -> Void) throws {
        guard let handle = file?.handle else {
            for start in stride(from: 0, to: held.count, by: 2_000) { try body(Array(held[start..<min(held.count, start + 2_000)])) }
            return
        }
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
