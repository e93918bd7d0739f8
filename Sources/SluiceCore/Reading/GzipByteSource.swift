import CZlib

/// The decompressed bytes of a gzip stream, inflated block by block with
/// zlib so a `.gz` input never has to be unpacked to disk or memory first.
///
/// Several gzip members in a row (what `cat a.gz b.gz` or `gzip -c >>`
/// produce) decompress as one stream, as `gunzip` does. Zero bytes after the
/// last member are ignored as padding; anything else there is an error, as is
/// a stream that is damaged or ends early.
///
/// Not `Sendable`: the zlib stream state may be used by one reader only.
public final class GzipByteSource: ByteSource {
    /// The name used in error messages.
    public let fileName: String
    /// Compressed bytes read so far, so progress matches the size on disk.
    public var bytesConsumed: Int64 { compressed.bytesConsumed }

    private let compressed: any ByteSource
    /// Heap-allocated because zlib keeps pointers into the stream record.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var compressedInputEnded = false
    private var state = State.insideMember

    private enum State {
        case insideMember
        case betweenMembers
        case finished
        /// The same error again on every later read, so a caller that
        /// retries cannot get past damaged data.
        case failed(InputError)
    }

    /// - Parameter inputBlockSize: how many compressed bytes to read at once.
    public init(source: any ByteSource, fileName: String, inputBlockSize: Int = 1 << 16) throws {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: the largest window, and let zlib recognise the gzip header.
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            let problem = status == Z_MEM_ERROR ? "out of memory" : "zlib error \(status)"
            throw InputError(file: fileName, problem: "cannot start gzip decompression: \(problem)")
        }
        self.stream = stream
        self.compressed = source
        self.fileName = fileName
        self.input = .allocate(byteCount: max(1, inputBlockSize), alignment: 1)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        // zlib counts output space in 32 bits.
        let capacity = min(buffer.count, Int(UInt32.max))
        while true {
            switch state {
            case .finished:
                return 0
            case .failed(let error):
                throw error
            case .betweenMembers:
                try startNextMemberOrFinish()
            case .insideMember:
                do {
                    let produced = try inflateSome(into: base, capacity: capacity)
                    if produced > 0 { return produced }
                } catch let error as InputError {
                    state = .failed(error)
                    throw error
                }
            }
        }
    }

    /// One `inflate` call; returns 0 when it only consumed input (a header,
    /// say) and the caller should simply try again.
    private func inflateSome(into base: UnsafeMutableRawPointer, capacity: Int) throws -> Int {
        if stream.pointee.avail_in == 0 && !compressedInputEnded { try refill() }
        let inputBefore = stream.pointee.avail_in
        stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(capacity)
        let status = inflate(stream, Z_NO_FLUSH)
        let produced = capacity - Int(stream.pointee.avail_out)
        switch status {
        case Z_STREAM_END:
            state = .betweenMembers
            return produced
        case Z_OK, Z_BUF_ERROR:
            if produced > 0 { return produced }
            let inputLeft = stream.pointee.avail_in
            if inputLeft == 0 && compressedInputEnded {
                throw corrupt("the file ends before the compressed data does (truncated?)")
            }
            if inputLeft > 0 && inputLeft == inputBefore {
                // zlib promises progress with room on both sides; never spin if it breaks that.
                throw corrupt("decompression stopped making progress")
            }
            return 0
        case Z_NEED_DICT:
            throw corrupt("the data needs a preset dictionary, which gzip files never use")
        case Z_MEM_ERROR:
            throw InputError(file: fileName, problem: "out of memory while decompressing gzip data")
        default:
            throw corrupt(zlibMessage ?? "invalid compressed data (zlib error \(status))")
        }
    }

    /// After a member ends: another member, zero padding, or the end.
    private func startNextMemberOrFinish() throws {
        while true {
            if stream.pointee.avail_in == 0 {
                if compressedInputEnded {
                    state = .finished
                    return
                }
                try refill()
                continue
            }
            switch stream.pointee.next_in.pointee {
            case 0x00:
                stream.pointee.next_in += 1
                stream.pointee.avail_in -= 1
            case 0x1f:
                inflateReset(stream)
                state = .insideMember
                return
            default:
                let error = corrupt("unexpected bytes after the end of the compressed data")
                state = .failed(error)
                throw error
            }
        }
    }

    /// Reads the next block of compressed bytes; only called once zlib has
    /// consumed everything it was given.
    private func refill() throws {
        let count = try compressed.read(into: input)
        if count == 0 { compressedInputEnded = true }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(count)
    }

    private var zlibMessage: String? {
        stream.pointee.msg.map { String(cString: $0) }
    }

    private func corrupt(_ detail: String) -> InputError {
        InputError(file: fileName, problem: "corrupt gzip data: \(detail)")
    }
}
