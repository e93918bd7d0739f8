import Foundation

/// Writes rejected rows as CSV: the row's own fields under the input's
/// header, then `_line` (where the record starts) and `_error` (every
/// problem of the row, joined by "; "). Fix the rows, drop the two columns,
/// and the file imports again.
public final class RejectsFileWriter {
    public let path: String

    public init(path: String) { self.path = path }

    public func write(spool: RejectionSpool, sourceColumns: [String]) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw InputError(file: path, problem: "cannot create the rejects file")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var out = CSVWriter()
        out.writeRow(sourceColumns + ["_line", "_error"])
        try spool.forEachChunk { chunk in
            for rejection in chunk {
                var fields = rejection.fields.map { $0 ?? "" }
                if fields.count < sourceColumns.count { fields += Array(repeating: "", count: sourceColumns.count - fields.count) }
                out.writeRow(fields + [String(rejection.line), rejection.summary])
            }
            try handle.write(contentsOf: out.take())
        }
        try handle.write(contentsOf: out.take())
    }
}

/// Formats rows as RFC 4180 CSV, quoting only the fields that need it.
public struct CSVWriter {
    private var buffer = Data()

    public init() {}

    public mutating func writeRow(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            if field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
                buffer.append(UInt8(ascii: "\""))
                buffer.append(contentsOf: Array(field.replacingOccurrences(of: "\"", with: "\"\"").utf8))
                buffer.append(UInt8(ascii: "\""))
            } else {
                buffer.append(contentsOf: Array(field.utf8))
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    /// The text so far, emptying the buffer.
    public mutating func take() -> Data {
        defer { buffer.removeAll(keepingCapacity: true) }
        return buffer
    }
}
