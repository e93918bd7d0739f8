import Foundation
import Crypto
import NIOCore
import PostgresNIO
import SluiceCore

/// Blobs in the database itself, so that a worker on any host needs only
/// the URL: each blob is a row of `sluice.blobs` (its size, part size and
/// SHA-256) and its bytes are rows of `sluice.blob_parts`, `partSize` bytes
/// each, every part with a SHA-256 of its own.
///
/// Why parts in `bytea` rather than large objects: a range read fetches
/// only the parts it spans, each checked on its own, with plain SQL that
/// works through any pooler; large objects need their own API, are not
/// dropped with the rows that name them, and cannot be checked by part.
///
/// `put(_:from:)` writes a blob in one transaction, its parts and then its
/// row: a reader that finds the row finds every part, and a writer that
/// dies leaves nothing. `put(_:from:size:readable:)`, which queues a
/// background job's input, lets workers in sooner: the row first, then
/// each part in a transaction of its own, readers waiting for the parts
/// still on their way (see there).
/// Parts are stored uncompressed (`STORAGE EXTERNAL`): the plans file's 95
/// MB in 4 MiB parts went in (`INSERT … SELECT` on the server) in 0.74 s
/// against 2.64 s compressed with pglz, and read back in 0.19 s against
/// 0.35 s; the compressed copy took 41 MB of disk instead of 94. lz4 (48
/// MB) stored no faster in `bench/blobs_postgres.sh` (enqueue 0.74 s
/// against 0.67 s).
public final class PostgresBlobStore: BlobStore, @unchecked Sendable {  // `link` serializes its calls
    /// 1 MiB: a part's round trip costs little against its bytes, and a
    /// reader holds one part at a time. With 4 MiB parts a worker of
    /// `bench/blobs_postgres.sh` peaked at 103 MiB against 91 MiB reading
    /// from a local directory; with 1 MiB, 92 against 93.
    public static let defaultPartSize = 1 << 20

    public let partSize: Int
    /// Seconds without a new part after which a reader waiting for one
    /// takes the writer for dead (a part takes milliseconds).
    public let writerTimeout: TimeInterval
    private let link: PostgresLink

    /// Opens a connection of its own: a long `put` holds it for its whole
    /// transaction, and must not make a job's heartbeat wait.
    public init(url: PostgresURL, partSize: Int = PostgresBlobStore.defaultPartSize, writerTimeout: TimeInterval = 30) throws {
        precondition(partSize > 0, "a part holds at least one byte")
        self.partSize = partSize
        self.writerTimeout = writerTimeout
        link = try PostgresLink.connect(url)
        // A custom plan (the default for a statement prepared once) copies
        // each bound value into the plan as a constant, several times over:
        // planning the INSERT of a 1 MiB part took a third of the server's
        // time. A generic plan leaves the part a parameter.
        try link.query("SET plan_cache_mode = force_generic_plan")
    }

    deinit { link.close() }

    @discardableResult public func put(_ key: String, from source: any ByteSource) throws -> Int64 {
        try BlobStoreError.check(key)
        return try link.transaction { link in
            try claim(key, on: link)
            let (total, digest) = try writeParts(key, from: source, on: link, touching: false) {}
            try link.query("""
                INSERT INTO sluice.blobs (key, size, part_size, sha256) VALUES (\(key), \(total), \(Int32(partSize)), \(digest))
                """)
            return total
        }
    }

    /// Readers may open the blob as soon as its first part is in: its row
    /// comes first (in a transaction of its own, without a SHA-256), then
    /// each part commits on its own, and a reader that reaches a part not
    /// yet stored waits for it while the writer keeps going (`written_at`).
    /// A background job is claimable, and its workers start, while its
    /// input is still being stored. A writer that fails deletes what it
    /// wrote; one that dies leaves a blob whose readers fail after
    /// `writerTimeout` without a new part.
    @discardableResult
    public func put(_ key: String, from source: any ByteSource, size: Int64, readable: () throws -> Void) throws -> Int64 {
        try BlobStoreError.check(key)
        return try link.exclusively { link in
            try link.transaction { link in
                try claim(key, on: link)
                try link.query("""
                    INSERT INTO sluice.blobs (key, size, part_size, written_at) VALUES (\(key), \(size), \(Int32(partSize)), now())
                    """)
            }
            do {
                // Each part is visible when it commits, and need not wait for the disk: the last
                // statement commits as usual, which flushes every part's record before it.
                try link.query("SET synchronous_commit = off")
                let (total, digest) = try writeParts(key, from: source, on: link, touching: true, afterFirst: readable)
                try link.query("RESET synchronous_commit")
                guard total == size else {
                    throw BlobStoreError(key: key, problem: "the file changed while it was stored: \(total) bytes, not \(size)")
                }
                try link.query("UPDATE sluice.blobs SET sha256 = \(digest), written_at = NULL WHERE key = \(key)")
                return total
            } catch {
                _ = try? link.query("RESET synchronous_commit")
                try? delete(key)
                throw error
            }
        }
    }

    /// Waits for any other writer of `key` (an advisory lock until the
    /// transaction ends), then checks that `key` is free: blobs are written once.
    private func claim(_ key: String, on link: PostgresLink) throws {
        try link.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))")
        guard try link.query("SELECT 1 FROM sluice.blobs WHERE key = \(key)").rows.first == nil else {
            throw BlobStoreError(key: key, problem: "already stored; blobs are written once")
        }
    }

    /// Stores `source` as parts of `key`, one part in flight: the server
    /// stores it while this thread reads and hashes the next. `touching`
    /// also records each part's time in the blob's row; `afterFirst` runs
    /// once part 0 is stored. Returns the size and the whole's SHA-256.
    private func writeParts(_ key: String, from source: any ByteSource, on link: PostgresLink, touching: Bool,
                            afterFirst: () throws -> Void) throws -> (Int64, ByteBuffer) {
        var whole = SHA256()
        var total: Int64 = 0
        var part: Int32 = 0
        var buffer = ByteBufferAllocator().buffer(capacity: partSize)
        var sent: EventLoopFuture<PostgresQueryResult>?
        while true {
            buffer.clear()
            let filled = try Self.fill(&buffer, upTo: partSize, from: source)
            if filled == 0 && part > 0 { break }
            let digest = buffer.withUnsafeReadableBytes { ByteBuffer(bytes: SHA256.hash(data: $0)) }
            buffer.withUnsafeReadableBytes { whole.update(bufferPointer: $0) }
            if let sent { try link.finish(sent) }
            sent = link.send(touching ? """
                WITH part AS (INSERT INTO sluice.blob_parts (key, part, data, sha256) VALUES (\(key), \(part), \(buffer), \(digest)))
                UPDATE sluice.blobs SET written_at = now() WHERE key = \(key)
                """ : """
                INSERT INTO sluice.blob_parts (key, part, data, sha256) VALUES (\(key), \(part), \(buffer), \(digest))
                """)
            if part == 0, let first = sent {
                try link.finish(first)
                sent = nil
                try afterFirst()
            }
            total += Int64(filled)
            part += 1
            if filled < partSize { break }
        }
        if let sent { try link.finish(sent) }
        return (total, ByteBuffer(bytes: whole.finalize()))
    }

    /// Reads from `source` until `buffer` holds `count` bytes or the source ends.
    private static func fill(_ buffer: inout ByteBuffer, upTo count: Int, from source: any ByteSource) throws -> Int {
        while buffer.readableBytes < count {
            let wanted = count - buffer.readableBytes
            let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { free in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: free.prefix(wanted)))
            }
            if read == 0 { break }
        }
        return buffer.readableBytes
    }

    public func read(_ key: String, range: Range<Int64>?) throws -> any ByteSource {
        let blob = try stored(key)
        let range = range ?? 0..<blob.size
        guard range.lowerBound >= 0, range.upperBound <= blob.size else {
            throw BlobStoreError(key: key, problem: "bytes \(range.lowerBound)..<\(range.upperBound) are beyond its \(blob.size) bytes")
        }
        return PostgresBlobSource(key: key, blob: blob, range: range, link: link, writerTimeout: writerTimeout)
    }

    public func size(of key: String) throws -> Int64 {
        try stored(key).size
    }

    public func list(prefix: String) throws -> [String] {
        try link.query("SELECT key FROM sluice.blobs WHERE starts_with(key, \(prefix)) ORDER BY key COLLATE \"C\"")
            .rows.map { try $0.decode(String.self) }
    }

    public func delete(_ key: String) throws {
        try BlobStoreError.check(key)
        try link.transaction { link in
            try link.query("DELETE FROM sluice.blobs WHERE key = \(key)")
            try link.query("DELETE FROM sluice.blob_parts WHERE key = \(key)")
        }
    }

    /// What `sluice.blobs` says of a blob.
    struct Stored {
        var size: Int64
        var partSize: Int
        /// nil while the blob is still being written.
        var sha256: [UInt8]?
    }

    private func stored(_ key: String) throws -> Stored {
        try BlobStoreError.check(key)
        guard let row = try link.query("SELECT size, part_size, sha256 FROM sluice.blobs WHERE key = \(key)").rows.first else {
            throw BlobStoreError(key: key, problem: "not stored")
        }
        let (size, partSize, sha256) = try row.decode((Int64, Int32, ByteBuffer?).self)
        return Stored(size: size, partSize: Int(partSize), sha256: sha256.map { Array($0.readableBytesView) })
    }
}

/// A byte range of a stored blob, fetched part by part as it is read. Each
/// part is checked against its SHA-256 and its length before a byte of it
/// is handed out; a whole-blob read also checks the blob's SHA-256 at its
/// end. A part still being written is waited for.
final class PostgresBlobSource: ByteSource {
    private let key: String
    private let blob: PostgresBlobStore.Stored
    private let range: Range<Int64>
    private let link: PostgresLink
    private let writerTimeout: TimeInterval
    /// The next byte of the blob to hand out.
    private var position: Int64
    /// The part holding `position`, once fetched, and its number.
    private var part: (number: Int64, bytes: ByteBuffer)?
    /// The whole blob's hash, while a read of all of it goes on.
    private var whole: SHA256?

    init(key: String, blob: PostgresBlobStore.Stored, range: Range<Int64>, link: PostgresLink, writerTimeout: TimeInterval) {
        self.key = key
        self.blob = blob
        self.range = range
        self.link = link
        self.writerTimeout = writerTimeout
        position = range.lowerBound
        whole = range == 0..<blob.size ? SHA256() : nil
    }

    var bytesConsumed: Int64 { position - range.lowerBound }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard position < range.upperBound else {
            try checkWhole()
            return 0
        }
        let number = position / Int64(blob.partSize)
        if part?.number != number { part = (number, try fetch(number)) }
        let start = Int(position - number * Int64(blob.partSize))
        let count = min(buffer.count, part!.bytes.readableBytes - start, Int(range.upperBound - position))
        part!.bytes.withUnsafeReadableBytes { bytes in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])
            buffer.copyMemory(from: slice)
            whole?.update(bufferPointer: slice)
        }
        position += Int64(count)
        return count
    }

    private func fetch(_ number: Int64) throws -> ByteBuffer {
        while true {
            if let row = try partRow(number) { return try checked(row, number: number) }
            if case .complete = try writer(waitingFor: "part \(number)") {
                // Finished between the two queries, or the part is gone.
                if let row = try partRow(number) { return try checked(row, number: number) }
                throw BlobStoreError(key: key, problem: "part \(number) is missing from the database", damaged: true)
            }
        }
    }

    private func partRow(_ number: Int64) throws -> PostgresRow? {
        try link.query("SELECT data, sha256 FROM sluice.blob_parts WHERE key = \(key) AND part = \(Int32(number))").rows.first
    }

    private func checked(_ row: PostgresRow, number: Int64) throws -> ByteBuffer {
        let expected = Int(min(Int64(blob.partSize), blob.size - number * Int64(blob.partSize)))
        let (bytes, sha256) = try row.decode((ByteBuffer, ByteBuffer).self)
        guard bytes.readableBytes == expected else {
            throw BlobStoreError(key: key, problem: "part \(number) holds \(bytes.readableBytes) bytes, not \(expected): it is damaged",
                                 damaged: true)
        }
        guard bytes.withUnsafeReadableBytes({ Array(SHA256.hash(data: $0)) }) == Array(sha256.readableBytesView) else {
            throw BlobStoreError(key: key, problem: "part \(number) does not match its SHA-256: it is damaged", damaged: true)
        }
        return bytes
    }

    /// Where the blob's writer is.
    private enum Writer {
        case complete(sha256: [UInt8])
        /// Still writing: this call paused a moment before returning.
        case writing
    }

    /// Returns `.complete` when the blob is whole, or `.writing` after a
    /// short pause while its writer goes on; throws when `what` will never
    /// come (the blob is gone, or its writer stopped).
    private func writer(waitingFor what: String) throws -> Writer {
        guard let row = try link.query("""
            SELECT sha256, written_at < now() - make_interval(secs => \(writerTimeout)) FROM sluice.blobs WHERE key = \(key)
            """).rows.first else {
            throw BlobStoreError(key: key, problem: "it was deleted while it was read")
        }
        let (sha256, stalled) = try row.decode((ByteBuffer?, Bool?).self)
        if let sha256 { return .complete(sha256: Array(sha256.readableBytesView)) }
        if stalled == true {
            throw BlobStoreError(key: key, problem: "\(what) was never stored: the process storing the file stopped")
        }
        Thread.sleep(forTimeInterval: 0.005)
        return .writing
    }

    private func checkWhole() throws {
        guard let hash = whole else { return }
        whole = nil
        var expected = blob.sha256
        while expected == nil {
            if case let .complete(sha256) = try writer(waitingFor: "the SHA-256 of the whole") { expected = sha256 }
        }
        guard Array(hash.finalize()) == expected else {
            throw BlobStoreError(key: key, problem: "the blob does not match its SHA-256: it is damaged", damaged: true)
        }
    }
}
