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
/// A blob is written in one transaction: its parts, then its row. A reader
/// that finds the row finds every part; a writer that dies leaves nothing.
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
    private let link: PostgresLink

    /// Opens a connection of its own: a long `put` holds it for its whole
    /// transaction, and must not make a job's heartbeat wait.
    public init(url: PostgresURL, partSize: Int = PostgresBlobStore.defaultPartSize) throws {
        precondition(partSize > 0, "a part holds at least one byte")
        self.partSize = partSize
        link = try PostgresLink.connect(url)
    }

    deinit { link.close() }

    @discardableResult public func put(_ key: String, from source: any ByteSource) throws -> Int64 {
        try BlobStoreError.check(key)
        return try link.transaction { link in
            // Taken first, so that two writers of one key wait for each other instead of both writing parts.
            try link.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))")
            guard try link.query("SELECT 1 FROM sluice.blobs WHERE key = \(key)").rows.first == nil else {
                throw BlobStoreError(key: key, problem: "already stored; blobs are written once")
            }
            var whole = SHA256()
            var total: Int64 = 0
            var part: Int32 = 0
            var buffer = ByteBufferAllocator().buffer(capacity: partSize)
            // One part in flight: the server stores it while this thread reads and hashes the next.
            var sent: EventLoopFuture<PostgresQueryResult>?
            while true {
                buffer.clear()
                let filled = try Self.fill(&buffer, upTo: partSize, from: source)
                if filled == 0 && part > 0 { break }
                let digest = buffer.withUnsafeReadableBytes { ByteBuffer(bytes: SHA256.hash(data: $0)) }
                buffer.withUnsafeReadableBytes { whole.update(bufferPointer: $0) }
                if let sent { try link.finish(sent) }
                sent = link.send("""
                    INSERT INTO sluice.blob_parts (key, part, data, sha256) VALUES (\(key), \(part), \(buffer), \(digest))
                    """)
                total += Int64(filled)
                part += 1
                if filled < partSize { break }
            }
            if let sent { try link.finish(sent) }
            let digest = ByteBuffer(bytes: whole.finalize())
            try link.query("""
                INSERT INTO sluice.blobs (key, size, part_size, sha256) VALUES (\(key), \(total), \(Int32(partSize)), \(digest))
                """)
            return total
        }
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
        return PostgresBlobSource(key: key, blob: blob, range: range, link: link)
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
        var sha256: [UInt8]
    }

    private func stored(_ key: String) throws -> Stored {
        try BlobStoreError.check(key)
        guard let row = try link.query("SELECT size, part_size, sha256 FROM sluice.blobs WHERE key = \(key)").rows.first else {
            throw BlobStoreError(key: key, problem: "not stored")
        }
        let (size, partSize, sha256) = try row.decode((Int64, Int32, ByteBuffer).self)
        return Stored(size: size, partSize: Int(partSize), sha256: Array(sha256.readableBytesView))
    }
}

/// A byte range of a stored blob, fetched part by part as it is read. Each
/// part is checked against its SHA-256 and its length before a byte of it
/// is handed out; a whole-blob read also checks the blob's SHA-256 at its end.
final class PostgresBlobSource: ByteSource {
    private let key: String
    private let blob: PostgresBlobStore.Stored
    private let range: Range<Int64>
    private let link: PostgresLink
    /// The next byte of the blob to hand out.
    private var position: Int64
    /// The part holding `position`, once fetched, and its number.
    private var part: (number: Int64, bytes: ByteBuffer)?
    /// The whole blob's hash, while a read of all of it goes on.
    private var whole: SHA256?

    init(key: String, blob: PostgresBlobStore.Stored, range: Range<Int64>, link: PostgresLink) {
        self.key = key
        self.blob = blob
        self.range = range
        self.link = link
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
        let expected = Int(min(Int64(blob.partSize), blob.size - number * Int64(blob.partSize)))
        guard let row = try link.query("""
            SELECT data, sha256 FROM sluice.blob_parts WHERE key = \(key) AND part = \(Int32(number))
            """).rows.first else {
            throw BlobStoreError(key: key, problem: "part \(number) is missing from the database", damaged: true)
        }
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

    private func checkWhole() throws {
        guard let hash = whole else { return }
        whole = nil
        guard Array(hash.finalize()) == blob.sha256 else {
            throw BlobStoreError(key: key, problem: "the blob does not match its SHA-256: it is damaged", damaged: true)
        }
    }
}
