import Foundation

/// Where Sluice keeps the files a job needs after the user's command has
/// returned: stored inputs, bucket files, rejects exports. Blobs are written
/// once, then read whole or by byte range, by any worker.
///
/// Keys are Sluice's own names (`job-42/input`), never a user's file name:
/// letters, digits, `.`, `_`, `-` and `/` between non-empty parts.
public protocol BlobStore: Sendable {
    /// Stores everything `source` yields under `key`, streaming, and returns
    /// its size. Replaces nothing: an existing key is an error.
    @discardableResult func put(_ key: String, from source: any ByteSource) throws -> Int64
    /// A source over `range` of the blob (all of it when nil).
    func read(_ key: String, range: Range<Int64>?) throws -> any ByteSource
    func size(of key: String) throws -> Int64
    /// The keys under `prefix`, sorted.
    func list(prefix: String) throws -> [String]
    /// Removes the blob; removing a missing key is not an error.
    func delete(_ key: String) throws
    /// Calls `body` with the path of a local file holding the blob, for
    /// readers that need the whole file at hand (the range planner maps it
    /// into memory). The file is only valid during the call.
    func withLocalFile<T>(_ key: String, _ body: (String) throws -> T) throws -> T
    /// Stores the local file at `path` under `key` and removes the file:
    /// a store on the same disk can just rename it.
    func adopt(_ key: String, file path: String) throws
    /// Stores `source`, which holds `size` bytes, like `put`, and calls
    /// `readable` once readers may open the blob: at the end, or, in a
    /// store that lets readers wait for parts still on their way, as soon
    /// as the first part is in. A source that does not hold `size` bytes
    /// is an error, and leaves nothing stored.
    @discardableResult
    func put(_ key: String, from source: any ByteSource, size: Int64, readable: () throws -> Void) throws -> Int64
}

extension BlobStore {
    /// Copies the blob into a temporary file, streaming, and removes the copy after `body`.
    public func withLocalFile<T>(_ key: String, _ body: (String) throws -> T) throws -> T {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-blob-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let writer = try BucketWriter(path: copy, bufferSize: 1 << 20, role: "local copy of \(key)")
        let source = try read(key, range: nil)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            try buffer.withUnsafeBufferPointer { try writer.append(UnsafeBufferPointer(rebasing: $0[..<count])) }
        }
        try writer.close(durable: false)
        return try body(copy)
    }

    public func adopt(_ key: String, file path: String) throws {
        try put(key, from: try FileByteSource(path: path))
        try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    public func put(_ key: String, from source: any ByteSource, size: Int64, readable: () throws -> Void) throws -> Int64 {
        let stored = try put(key, from: source)
        guard stored == size else {
            try? delete(key)
            throw BlobStoreError(key: key, problem: "the file changed while it was stored: \(stored) bytes, not \(size)")
        }
        try readable()
        return stored
    }
}

/// A problem with stored data, said for the user.
public struct BlobStoreError: Error, Sendable, Equatable, CustomStringConvertible, TransientError {
    public var key: String
    public var problem: String
    /// The stored bytes read were damaged or short: a chunk that met this
    /// fails, imports nothing, and may be tried again (the store, or the
    /// way to it, may be whole the next time).
    public var damaged: Bool

    public init(key: String, problem: String, damaged: Bool = false) {
        self.key = key
        self.problem = problem
        self.damaged = damaged
    }

    public var isTransient: Bool { damaged }

    public var description: String { "stored file \(key): \(problem)" }

    /// Checks that `key` is one of Sluice's own names, safe as a path.
    public static func check(_ key: String) throws {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !key.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.allSatisfy(allowed.contains) }) else {
            throw BlobStoreError(key: key, problem: "not a valid storage key (letters, digits, . _ - and / between parts)")
        }
    }
}
