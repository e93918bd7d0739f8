/// At most `limit` bytes of another source: one chunk's byte range.
public final class LimitedByteSource: ByteSource {
    private let base: any ByteSource
    private var remaining: Int64

    public init(_ base: any ByteSource, limit: Int64) {
        self.base = base
        self.remaining = max(0, limit)
    }

    public var bytesConsumed: Int64 { base.bytesConsumed }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0 else { return 0 }
        let count = try base.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(Int(min(remaining, Int64(buffer.count))))))
        remaining -= Int64(count)
        return count
    }
}
