/// A forward-only stream of bytes: a file, a decompressed `.gz`, or a
/// transcoded text in another encoding. Readers pull from it in large blocks,
/// so no input is ever held whole in memory.
public protocol ByteSource: AnyObject {
    /// Fills `buffer` from the start with up to `buffer.count` bytes and
    /// returns how many were written; 0 means end of input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Bytes consumed from the underlying file so far (compressed bytes for
    /// `.gz`), for progress reporting.
    var bytesConsumed: Int64 { get }
}
