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
}

/// A problem with stored data, said for the user.
public struct BlobStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

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
