#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one file, read with POSIX `open`/`read` in whatever block
/// size the reader asks for, so a file of any size streams through a fixed
/// amount of memory.
///
/// Not `Sendable`: it owns a file position that only one reader may move.
public final class FileByteSource: ByteSource {
    /// The name used in error messages: the path exactly as the user gave it.
    public let path: String
    public private(set) var bytesConsumed: Int64 = 0

    private let descriptor: Int32
    /// Bytes already taken from the file by `peek(count:)` and not yet handed
    /// to `read(into:)`; they are served first.
    private var peeked: [UInt8] = []

    /// Opens `path` for reading, refusing directories up front so the problem
    /// is reported at open time, in words, rather than as a failed read later.
    public init(path: String) throws {
        self.path = path
        let descriptor = openForReading(path)
        guard descriptor >= 0 else {
            throw InputError(file: path, problem: openProblem(errno: errno))
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let problem = "cannot open the file: \(errorText(errno))"
            close(descriptor)
            throw InputError(file: path, problem: problem)
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            close(descriptor)
            throw InputError(file: path, problem: "is a directory, not a file")
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if !peeked.isEmpty {
            let count = min(buffer.count, peeked.count)
            peeked.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: count) }
            peeked.removeFirst(count)
            bytesConsumed += Int64(count)
            return count
        }
        let count = try readFromFile(into: base, count: buffer.count)
        bytesConsumed += Int64(count)
        return count
    }

    /// Moves to `offset` in the file, so that a chunk worker reads only its
    /// byte range (with `LimitedByteSource`).
    public func seek(to offset: Int64) throws {
        peeked.removeAll()
        guard lseek(descriptor, off_t(offset), SEEK_SET) == Int64(offset) else {
            throw InputError(file: path, problem: "cannot move to byte \(offset): \(errorText(errno))")
        }
    }

    /// The first `count` bytes that `read(into:)` will return next (fewer at
    /// the end of the file), without consuming them. Lets `InputOpener` sniff
    /// the gzip magic number even on a pipe, where seeking back is impossible.
    public func peek(count: Int) throws -> [UInt8] {
        while peeked.count < count {
            var chunk = [UInt8](repeating: 0, count: count - peeked.count)
            let got = try chunk.withUnsafeMutableBytes {
                try readFromFile(into: $0.baseAddress!, count: $0.count)
            }
            if got == 0 { break }
            peeked.append(contentsOf: chunk[..<got])
        }
        return Array(peeked.prefix(count))
    }

    /// One `read(2)`, retried when a signal interrupts it.
    private func readFromFile(into base: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while true {
            let got = readDescriptor(descriptor, base, count)
            if got >= 0 { return got }
            let code = errno
            if code == EINTR { continue }
            throw InputError(file: path, problem: "cannot read the file: \(errorText(code))")
        }
    }
}

/// `open(2)` with close-on-exec, retried when a signal interrupts it.
private func openForReading(_ path: String) -> Int32 {
    while true {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 || errno != EINTR { return descriptor }
    }
}

/// Free function so the name does not collide with `FileByteSource.read`.
private func readDescriptor(_ descriptor: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, base, count)
}

/// The reason an `open` failed, phrased for someone who typed the path.
private func openProblem(errno code: Int32) -> String {
    switch code {
    case ENOENT: return "no such file"
    case ENOTDIR: return "no such file (part of the path is not a directory)"
    case EACCES, EPERM: return "permission denied"
    case EISDIR: return "is a directory, not a file"
    default: return "cannot open the file: \(errorText(code))"
    }
}

/// The C library's text for an `errno` value, e.g. "Too many open files".
private func errorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
