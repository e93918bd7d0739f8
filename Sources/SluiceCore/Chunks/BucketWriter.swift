#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written front to back through a buffer of its own, with POSIX
/// `write`: the partitioner keeps one per bucket file open for the whole
/// pass, so each must cost a fixed amount of memory, not a copy of the input.
final class BucketWriter {
    let path: String
    /// What the file is, for messages: "bucket file", "local copy".
    private let role: String
    /// Bytes appended so far, written or still in the buffer.
    private(set) var bytesWritten: Int64 = 0
    private var descriptor: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0

    /// Creates (or empties) the file at `path`.
    init(path: String, bufferSize: Int, role: String = "bucket file") throws {
        self.path = path
        self.role = role
        capacity = max(64, bufferSize)
        descriptor = -1
        buffer = .allocate(capacity: capacity)
        while true {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if descriptor >= 0 || errno != EINTR { break }
        }
        guard descriptor >= 0 else {
            let code = errno
            buffer.deallocate()
            throw InputError(file: path, problem: "cannot create the \(role): \(Self.errorText(code))")
        }
    }

    deinit {
        if descriptor >= 0 { _ = closeDescriptor(descriptor) }
        buffer.deallocate()
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { try flush() }
        bytesWritten += Int64(bytes.count)
        if bytes.count >= capacity {
            try writeAll(UnsafeRawPointer(base), bytes.count)
            return
        }
        (buffer + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    func append(_ byte: UInt8) throws {
        if count == capacity { try flush() }
        buffer[count] = byte
        count += 1
        bytesWritten += 1
    }

    @inline(__always)
    func appendLittleEndian(_ value: Int64) throws {
        if count + 8 > capacity { try flush() }
        UnsafeMutableRawPointer(buffer + count).storeBytes(of: value.littleEndian, as: Int64.self)
        count += 8
        bytesWritten += 8
    }

    func flush() throws {
        guard count > 0 else { return }
        let pending = count
        count = 0
        try writeAll(UnsafeRawPointer(buffer), pending)
    }

    /// Flushes and closes the file; `durable` also waits until it is on
    /// disk (for files that others read after this process is gone).
    func close(durable: Bool = true) throws {
        try flush()
        guard descriptor >= 0 else { return }
        let synced = !durable || fsync(descriptor) == 0 ? nil : errno
        let closed = closeDescriptor(descriptor) == 0 ? nil : errno
        descriptor = -1
        if let code = synced ?? closed {
            throw InputError(file: path, problem: "cannot write the \(role): \(Self.errorText(code))")
        }
    }

    private func writeAll(_ base: UnsafeRawPointer, _ total: Int) throws {
        var done = 0
        while done < total {
            let wrote = write(descriptor, base + done, total - done)
            if wrote < 0 {
                let code = errno
                if code == EINTR { continue }
                throw InputError(file: path, problem: "cannot write the \(role): \(Self.errorText(code))")
            }
            done += wrote
        }
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// Free function so the name does not collide with `BucketWriter.close`.
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
