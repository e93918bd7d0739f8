import Foundation

/// Blobs as files under one directory (`--storage`, default `./sluice-data`).
/// A blob is written to a temporary name and renamed into place when
/// complete, so a reader never sees half a blob.
///
/// The directory is made by the first `put`: a worker whose jobs are all
/// stored in the database leaves no trace on its disk.
public final class LocalBlobStore: BlobStore {
    public let directory: URL

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    /// Creates the directories a blob at `target` needs.
    private func makeParent(of target: URL) throws {
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw BlobStoreError(key: directory.path, problem: "cannot create the storage directory: \(error.localizedDescription)")
        }
    }

    private func url(_ key: String) throws -> URL {
        try BlobStoreError.check(key)
        return directory.appendingPathComponent(key)
    }

    /// The file that holds `key`, for readers that open files by path.
    public func localPath(of key: String) throws -> String {
        let path = try url(key).path
        guard FileManager.default.fileExists(atPath: path) else { throw BlobStoreError(key: key, problem: "not stored") }
        return path
    }

    @discardableResult public func put(_ key: String, from source: any ByteSource) throws -> Int64 {
        let target = try url(key)
        guard !FileManager.default.fileExists(atPath: target.path) else {
            throw BlobStoreError(key: key, problem: "already stored; blobs are written once")
        }
        try makeParent(of: target)
        let partial = target.deletingLastPathComponent().appendingPathComponent(".partial-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
            throw BlobStoreError(key: key, problem: "cannot create a file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: partial)
            defer { try? handle.close() }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            var total: Int64 = 0
            while true {
                let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if count == 0 { break }
                try handle.write(contentsOf: buffer[..<count])
                total += Int64(count)
            }
            try handle.synchronize()
            try FileManager.default.moveItem(at: partial, to: target)
            return total
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    public func read(_ key: String, range: Range<Int64>?) throws -> any ByteSource {
        let size = try self.size(of: key)
        let range = range ?? 0..<size
        guard range.lowerBound >= 0, range.upperBound <= size else {
            // Blobs are written once: a planned range beyond the end means the file was cut short since.
            throw BlobStoreError(key: key, problem: "bytes \(range.lowerBound)..<\(range.upperBound) are beyond its \(size) bytes",
                                 damaged: range.lowerBound >= 0)
        }
        let file = try FileByteSource(path: try url(key).path)
        try file.seek(to: range.lowerBound)
        return ExactLengthSource(file, length: range.upperBound - range.lowerBound, key: key)
    }

    /// The blob's own file: no copy.
    public func withLocalFile<T>(_ key: String, _ body: (String) throws -> T) throws -> T {
        try body(try localPath(of: key))
    }

    /// Renames the file into place when it is on the same disk, and copies it otherwise.
    public func adopt(_ key: String, file path: String) throws {
        let target = try url(key)
        guard !FileManager.default.fileExists(atPath: target.path) else {
            throw BlobStoreError(key: key, problem: "already stored; blobs are written once")
        }
        try makeParent(of: target)
        guard rename(path, target.path) == 0 else {
            try put(key, from: try FileByteSource(path: path))
            try? FileManager.default.removeItem(atPath: path)
            return
        }
    }

    public func size(of key: String) throws -> Int64 {
        let path = try url(key).path
        guard let size = InputOpener.fileSize(path: path) else { throw BlobStoreError(key: key, problem: "not stored") }
        return size
    }

    public func list(prefix: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var keys: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = relative.split(separator: "/").last.map(String.init) ?? relative
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory.appendingPathComponent(relative).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue && !name.hasPrefix(".partial-") && relative.hasPrefix(prefix) { keys.append(relative) }
        }
        return keys.sorted()
    }

    /// Removes the blob, then the directories its key made that are now
    /// empty (`job-42/buckets/`), so a deleted job leaves nothing behind.
    public func delete(_ key: String) throws {
        let target = try url(key)
        guard FileManager.default.fileExists(atPath: target.path) else { return }
        try FileManager.default.removeItem(at: target)
        var parent = target.deletingLastPathComponent().standardizedFileURL
        let root = directory.standardizedFileURL.path
        while parent.path.count > root.count, parent.path.hasPrefix(root),
              (try? FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty) == true {
            try? FileManager.default.removeItem(at: parent)
            parent = parent.deletingLastPathComponent().standardizedFileURL
        }
    }
}

/// A stored file's bytes, which must run to the length the file had when
/// the read began: a file cut short since is damaged, not ended, and a
/// chunk reading it must fail rather than import part of its range.
private final class ExactLengthSource: ByteSource {
    private let base: any ByteSource
    private let key: String
    private let length: Int64
    private var remaining: Int64

    init(_ base: any ByteSource, length: Int64, key: String) {
        self.base = base
        self.key = key
        self.length = length
        remaining = length
    }

    var bytesConsumed: Int64 { length - remaining }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0 else { return 0 }
        let count = try base.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(Int(min(remaining, Int64(buffer.count))))))
        if count == 0 {
            throw BlobStoreError(key: key, problem: "it ended \(remaining) bytes short of the \(length) read: it is damaged", damaged: true)
        }
        remaining -= Int64(count)
        return count
    }
}
