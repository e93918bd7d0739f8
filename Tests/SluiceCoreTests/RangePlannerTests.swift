import Foundation
import Testing
@testable import SluiceCore

@Suite("Planning byte ranges")
struct RangePlannerTests {
    /// Every note spans several lines, and some hold text that looks like records.
    static func quotedNewlines(records: Int) -> String {
        var text = "\u{FEFF}id,note,amount\n"
        for id in 1...records {
            let note = id % 3 == 0 ? "\"line one\n\(id + 1),fake,\"\"9\"\"\r\nlast\"" : "\"a\nb\nc \(id)\""
            text += "\(id),\(note),\(id * 7)\(id % 5 == 0 ? "\r\n" : "\n")"
            if id % 50 == 0 { text += "\n" }  // blank lines count as lines, never as records
        }
        return text
    }

    func allRecords(_ path: String) throws -> [ReadRecord] {
        try readRecords(Array(try Data(contentsOf: URL(fileURLWithPath: path))), dialect: .csv)
    }

    @Test("ranges cut only at record starts, never inside quotes; read back they give every record once, with file lines and offsets",
          arguments: [1, 2, 3, 8, 13])
    func rangesReadBackExactly(count: Int) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("q.csv", Self.quotedNewlines(records: 2_000))
        let ranges = try RangePlanner.ranges(path: path, dialect: .csv, count: count)
        #expect(ranges.count == count)
        for (earlier, later) in zip(ranges, ranges.dropFirst()) { #expect(earlier.end == later.start) }
        #expect(ranges.last?.end == InputOpener.fileSize(path: path))
        var pieces: [ReadRecord] = []
        for range in ranges {
            pieces += try readAll(try RangePlanner.reader(path: path, range: range, dialect: .csv))
        }
        let whole = try allRecords(path)
        #expect(pieces.count == 2_000)
        #expect(pieces == whole)
    }

    @Test("a file with fewer records than chunks gets one range per record; a header-only file gets none")
    func fewRecords() throws {
        let directory = try TemporaryDirectory()
        let two = try RangePlanner.ranges(path: try directory.write("two.csv", "a\n1\n2\n"), dialect: .csv, count: 8)
        #expect(two == [ByteRange(start: 2, end: 4, firstLine: 2), ByteRange(start: 4, end: 6, firstLine: 3)])
        #expect(try RangePlanner.ranges(path: try directory.write("h.csv", "a,b\n"), dialect: .csv, count: 4).isEmpty)
    }
}

/// The fast planner against the record reader, on random files full of
/// what makes boundaries hard: quoted line breaks (LF, CRLF, lone CR),
/// doubled quotes, quotes inside unquoted text or after a closing quote,
/// text that looks like a record inside quotes, blank lines.
@Suite("Planning byte ranges: the boundary scanner agrees with the reader")
struct RecordBoundaryDifferentialTests {
    static func randomFile(seed: UInt64, dialect: CSVDialect) -> String {
        var random = SeededGenerator(seed: seed)
        let d = String(UnicodeScalar(dialect.delimiter))
        let ends = ["\n", "\n", "\n", "\r\n", "\r"]
        let fields = ["plain", "", "\"quoted\(d) with delimiter\"", "\"two\nlines\"", "\"crlf\r\ninside\"", "\"lone\rcr\"",
                      "\"doubled \"\" quote\"", "mid\"quote", "\"closed\"then text", "\"closed\"then \"quote",
                      "\"looks\n1\(d)2\(d)3\nlike records\"", "\"\"", "\"\"\"\"", "42", "\"ends with quote \"\"\"", "x\"\"y"]
        var text = "a\(d)b\(d)c\n"
        for _ in 0..<400 {
            if Int.random(in: 0..<15, using: &random) == 0 { text += ends.randomElement(using: &random)! }  // a blank line
            text += (0..<3).map { _ in fields.randomElement(using: &random)! }.joined(separator: d)
            text += ends.randomElement(using: &random)!
        }
        return text
    }

    @Test("every cut is the first record at or after its target, with the reader's line", arguments: Array(1...12))
    func agreesWithReader(seed: Int) throws {
        let dialect: CSVDialect = seed % 3 == 0 ? .tsv : .csv
        let directory = try TemporaryDirectory()
        let path = try directory.write("r.csv", Self.randomFile(seed: UInt64(seed), dialect: dialect))
        let records = try readRecords(Array(try Data(contentsOf: URL(fileURLWithPath: path))), dialect: dialect)
        let size = Int64(try #require(InputOpener.fileSize(path: path)))
        for count in [2, 5, 16, 64] {
            // The planner's rule, applied to the reader's records.
            var expected = [ByteRange]()
            var starts = [(records[0].byteOffset, records[0].line)]
            for index in 1..<Int64(count) {
                let target = max(starts[0].0 + (size - starts[0].0) * index / Int64(count), starts[starts.count - 1].0 + 1)
                guard let record = records.first(where: { $0.byteOffset >= target }) else { break }
                starts.append((record.byteOffset, record.line))
            }
            for (index, start) in starts.enumerated() {
                expected.append(ByteRange(start: start.0, end: index + 1 < starts.count ? starts[index + 1].0 : size, firstLine: start.1))
            }
            #expect(try RangePlanner.ranges(path: path, dialect: dialect, count: count) == expected, "seed \(seed), \(count) chunks")
        }
    }
}
