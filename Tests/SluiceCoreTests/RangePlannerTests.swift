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
        let decoder = FieldDecoder()
        for range in ranges {
            let reader = try RangePlanner.reader(path: path, range: range, dialect: .csv)
            while let batch = try reader.nextBatch() {
                for record in batch.records {
                    let fields = (0..<Int(record.fieldCount)).map {
                        decoder.string(batch.fields[Int(record.firstField) + $0], in: batch.arena, lossy: true)
                    }
                    let raw = String(decoding: batch.arena[Int(record.rawStart)..<Int(record.rawEnd)], as: UTF8.self)
                    pieces.append(ReadRecord(line: record.line, byteOffset: record.byteOffset, fields: fields, raw: raw))
                }
            }
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
