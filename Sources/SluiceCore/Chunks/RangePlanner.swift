import Foundation

/// A slice of a delimited file that holds whole records only.
public struct ByteRange: Sendable, Equatable, Codable {
    /// Offset of the range's first record in the file.
    public var start: Int64
    /// Offset just past the range (the next range's start, or the file's end).
    public var end: Int64
    /// The physical line on which the range's first record starts.
    public var firstLine: Int

    public init(start: Int64, end: Int64, firstLine: Int) {
        self.start = start
        self.end = end
        self.firstLine = firstLine
    }

    public var length: Int64 { end - start }
}

/// Cuts a delimited file into byte ranges of about equal size for parallel
/// chunks (the `ranges` strategy).
///
/// A range may only begin where a record begins, and a line break inside a
/// quoted field is not a record boundary, so the planner cannot just seek to
/// size/N and look for a newline: it follows the quote state through the
/// whole file (`RecordBoundaryScanner`, which reads no fields) and cuts at
/// the first record at or after each target offset.
public enum RangePlanner {
    /// The ranges of the data records of the UTF-8 file at `path` (after its
    /// header, when `dialect` has one); fewer than `count` when the file has
    /// fewer records, none when it has no data.
    /// Throws `CancellationError` soon after `cancellation` is set.
    /// `name` names the file in messages (by default, `path`).
    public static func ranges(path: String, name: String? = nil, dialect: CSVDialect, count: Int,
                              cancellation: CancellationFlag = CancellationFlag()) throws -> [ByteRange] {
        let name = name ?? path
        guard let size = InputOpener.fileSize(path: path) else {
            throw InputError(file: name, problem: "cannot plan byte ranges: not a regular file")
        }
        // The record reader finds the first data record: past a byte order mark, the header and blank lines.
        let reader = try CSVRecordReader(source: try FileByteSource(path: path), fileName: name, dialect: dialect, batchRecords: 1)
        guard let first = try reader.nextBatch()?.records.first else { return [] }
        let mapped = try MappedFile(path: path, name: name)
        defer { mapped.close() }
        let dataStart = first.byteOffset
        var starts: [(offset: Int64, line: Int)] = [(dataStart, first.line)]
        let chunks = Int64(max(1, count))
        var scanner = RecordBoundaryScanner(bytes: mapped.bytes, dialect: dialect, dataStart: Int(dataStart), line: first.line)
        for index in 1..<chunks {
            if cancellation.isCancelled { throw CancellationError() }
            let target = max(dataStart + (size - dataStart) * index / chunks, starts[starts.count - 1].offset + 1)
            guard let start = scanner.recordStart(atOrAfter: Int(target)) else { break }
            starts.append((Int64(start.offset), start.line))
        }
        return starts.indices.map { index in
            ByteRange(start: starts[index].offset, end: index + 1 < starts.count ? starts[index + 1].offset : size,
                      firstLine: starts[index].line)
        }
    }

    /// A record reader over one range, reporting lines and offsets as they
    /// are in the whole file. The header, if any, is the planner's business:
    /// pass the dialect without it.
    public static func reader(path: String, range: ByteRange, dialect: CSVDialect) throws -> CSVRecordReader {
        let file = try FileByteSource(path: path)
        try file.seek(to: range.start)
        return try reader(source: LimitedByteSource(file, limit: range.length), name: path, range: range, dialect: dialect)
    }

    /// The same over `source`, which yields exactly the range's bytes (a
    /// stored input's range); `name` names the input in messages.
    public static func reader(source: any ByteSource, name: String, range: ByteRange, dialect: CSVDialect) throws -> CSVRecordReader {
        var dialect = dialect
        dialect.hasHeader = false
        return try CSVRecordReader(source: source, fileName: name, dialect: dialect, startLine: range.firstLine, startOffset: range.start)
    }
}

/// A whole file mapped into memory, read-only, its pages loaded up front
/// (`MAP_POPULATE`: one call instead of a page fault per 4 KiB).
private struct MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>

    init(path: String, name: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputError(file: name, problem: "cannot open it to plan byte ranges: \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size > 0 else {
            throw InputError(file: name, problem: "cannot plan byte ranges: it is empty or cannot be read")
        }
        let size = Int(status.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, 0), address != MAP_FAILED else {
            throw InputError(file: name, problem: "cannot map it to plan byte ranges: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size)
    }

    func close() {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }
}
