#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Sampling

extension JSONRecordReader {
    /// Reads up to `sampleBytes` from the start of a source and returns the
    /// union of the objects' top-level keys in first-appearance order, the
    /// layout (first byte that is not whitespace `[` → array, else lines), and
    /// the top-level values of up to 5,000 objects as text (nil for `null`),
    /// for type sniffing. Consumes the source.
    ///
    /// A sample usually ends inside a record, so a malformed or cut-off record
    /// is skipped, and a broken array ends the sample quietly: the full read
    /// reports such problems, with their lines. The source's own errors are
    /// thrown, and `InputError` for an empty input or one whose first value is
    /// neither an object nor an array.
    public static func sample(source: any ByteSource, fileName: String, sampleBytes: Int)
        throws -> (layout: JSONLayout, columns: [String], objects: [[String: String?]]) {
        let limited = SampleSource(source, limit: max(0, sampleBytes))
        let reader = JSONRecordReader(source: limited, fileName: fileName, layout: .lines, columns: [])
        reader.layout = try reader.detectLayout()
        var columns: [String] = []
        var seen: Set<String> = []
        var objects: [[String: String?]] = []
        var arena: [UInt8] = []
        var members: [(key: String, value: FieldSpan)] = []
        do {
            while let record = try reader.nextRecordText() {
                arena.removeAll(keepingCapacity: true)
                members.removeAll(keepingCapacity: true)
                do throws(JSONScanner.Failure) {
                    try reader.scanner.scanObject(record.bytes, into: &arena) { key, value in
                        members.append((String(decoding: key, as: UTF8.self), value))
                    }
                } catch {
                    continue
                }
                for member in members where seen.insert(member.key).inserted { columns.append(member.key) }
                guard objects.count < maxSampledObjects else { continue }
                var object: [String: String?] = [:]
                for (key, value) in members {
                    object[key] = .some(value.kind == .null ? nil : String(decoding: arena[Int(value.start)..<Int(value.end)], as: UTF8.self))
                }
                objects.append(object)
            }
        } catch where limited.failure == nil {
            // A structural problem, most likely where the sample cuts the input: the sample ends here.
        }
        return (reader.layout, columns, objects)
    }

    /// The layout, from the first byte that is not whitespace (after a byte
    /// order mark). Consumes nothing, so that reading starts from the top.
    private func detectLayout() throws -> JSONLayout {
        try skipByteOrderMark()
        var ahead = 0
        var lines = 0
        while true {
            var i = window.start + ahead
            while i < window.end && JSONScanner.isWhitespace(window.bytes[i]) {
                if window.bytes[i] == JSONByte.lineFeed { lines += 1 }
                i += 1
            }
            if i < window.end {
                switch window.bytes[i] {
                case JSONByte.openBracket: return .array
                case JSONByte.openBrace: return .lines
                default: throw InputError(file: fileName, line: line + lines,
                                          problem: "expected a JSON object or array, found \(JSONScanner.describe(window.bytes[i]))")
                }
            }
            if window.atEndOfInput {
                throw InputError(file: fileName, problem: "the file is empty; expected JSON objects, one per line, or an array of them")
            }
            ahead = i - window.start
            try refill(recordLine: line + lines)
        }
    }

    /// Ends the input after `limit` bytes, and notes whether the source itself
    /// failed, so that sampling can tell such errors from its own.
    private final class SampleSource: ByteSource {
        private let base: any ByteSource
        private var remaining: Int
        private(set) var failure: (any Error)?

        init(_ base: any ByteSource, limit: Int) {
            self.base = base
            self.remaining = limit
        }

        var bytesConsumed: Int64 { base.bytesConsumed }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            guard remaining > 0 else { return 0 }
            do {
                let count = try base.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.prefix(remaining)))
                remaining -= max(0, count)
                return count
            } catch {
                failure = error
                throw error
            }
        }
    }
}
