import Testing
import SluiceCore
@testable import SluicePostgres

/// The COPY text format, byte for byte: what the server reads back is
/// checked by the import tests; these pin the encoding itself.
@Suite("PostgreSQL COPY text")
struct PostgresCopyEncoderTests {
    func text(_ values: [Value], columns: Int, withLine: Bool = false) -> String {
        let rows = GroupedRows(columnCount: columns, rows: stride(from: 0, to: values.count, by: columns).enumerated().map { index, start in
            AggregatedRow(values: Array(values[start..<start + columns]), firstLine: 10 + index)
        })
        return String(decoding: PostgresCopyEncoder.encode(0..<rows.rowCount, of: rows, withLine: withLine), as: UTF8.self)
    }

    @Test("integers from Int64.min to Int64.max, each power of ten's edges, and zero")
    func integers() {
        var numbers: [Int64] = [0, 1, -1, 9, 10, 99, 100, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            numbers += [power - 1, power, power + 1, -power]
        }
        #expect(text(numbers.map(Value.integer), columns: 1) == numbers.map { "\($0)\n" }.joined())
    }

    @Test("NULL, reals, and text with the characters COPY escapes; the line as a last field")
    func values() {
        let row: [Value] = [.null, .real(12.75), .real(-0.1), .text("plain"), .text("tab\there\\ new\nline\rcr"), .text("")]
        #expect(text(row, columns: 6, withLine: true) == "\\N\t12.75\t-0.1\tplain\ttab\\there\\\\ new\\nline\\rcr\t\t10\n")
    }

    @Test("a long text without escapes, and many rows, grow the buffer past its first guess")
    func growth() {
        let long = String(repeating: "é", count: 5_000)
        let values = (0..<300).flatMap { [Value.integer(Int64($0)), .text($0 == 150 ? long : "v\($0)")] }
        let expected = (0..<300).map { "\($0)\t\($0 == 150 ? long : "v\($0)")\n" }.joined()
        #expect(text(values, columns: 2) == expected)
    }
}
