#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place an input path becomes a byte source, so every reader gets
/// the same handling of compression and encodings.
public enum InputOpener {
    /// Opens `path` and stacks what it needs on top: gzip decompression when
    /// the file starts with the gzip magic bytes 1f 8b — whatever its name,
    /// since a renamed or extensionless download is still gzip — then
    /// conversion to UTF-8 when `encoding` is not UTF-8.
    ///
    /// Throws `InputError` when the file cannot be opened; problems inside a
    /// `.gz` are reported by the reads that meet them.
    public static func open(path: String, encoding: InputEncoding = .utf8) throws -> any ByteSource {
        let file = try FileByteSource(path: path)
        var source: any ByteSource = file
        if try file.peek(count: gzipMagic.count) == gzipMagic {
            source = try GzipByteSource(source: file, fileName: path)
        }
        if encoding != .utf8 {
            source = TranscodingByteSource(source: source, encoding: encoding)
        }
        return source
    }

    /// The same for an input's raw bytes coming from elsewhere (a stored
    /// copy in a blob store), named `name` in messages; `decoded` says
    /// whether the bytes read are other than the stored ones.
    public static func open(source raw: any ByteSource, name: String,
                            encoding: InputEncoding = .utf8) throws -> (source: any ByteSource, decoded: Bool) {
        let magic = try PrefixedByteSource.readPrefix(of: raw, count: gzipMagic.count)
        var source: any ByteSource = PrefixedByteSource(prefix: magic, rest: raw)
        var decoded = false
        if magic == gzipMagic {
            source = try GzipByteSource(source: source, fileName: name)
            decoded = true
        }
        if encoding != .utf8 {
            source = TranscodingByteSource(source: source, encoding: encoding)
            decoded = true
        }
        return (source, decoded)
    }

    /// The size on disk of a regular file (compressed size for `.gz`, which
    /// is what `bytesConsumed` counts), or nil when there is no such file or
    /// it has no fixed size, like a pipe.
    public static func fileSize(path: String) -> Int64? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(status.st_size)
    }

    private static let gzipMagic: [UInt8] = [0x1f, 0x8b]
}
