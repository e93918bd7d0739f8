import Testing
import SluiceCore
@testable import SluicePostgres
import NIOCore
import SluiceTestSupport

/// The COPY text format, byte for byte: what the server reads back is
/// checked by the import tests; these pin the encoding itself.
@Suite("PostgreSQL COPY text")
struct PostgresCopyEncoderTests {
    func text(_ values: [Value], columns: Int, withLine: Bool = false) -> String {
        let rows = GroupedRows(columnCount: columns, rows: stride(from: 0, to: values.count, by: columns).enumerated().map { index, start in
            AggregatedRow(values: Array(values[start..<start + columns]), firstLine: 10 + index)
        })
        return String(buffer: PostgresCopyEncoder.encode(0..<rows.rowCount, of: rows, withLine: withLine))
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

/// The binary COPY form, sent to the test server and read back: a value
/// the server could not read would fail the COPY (the import session would
/// then quietly load it as text, so only this test shows the form is right).
@Suite("PostgreSQL binary COPY")
struct PostgresBinaryCopyTests {
    @Test("integers, reals, decimals, booleans, text and NULLs go in as binary and read back exactly")
    func roundTrip() throws {
        guard let database = try TestPostgres.freshDatabase() else { return }
        defer { database.drop() }
        let link = try PostgresLink.connect(database.url)
        defer { link.close() }
        try link.query("CREATE TABLE b (i BIGINT, r DOUBLE PRECISION, d NUMERIC, f BOOLEAN, t TEXT)")
        let decimals = ["0", "-0.00", "12.50", "0.0001", "-0.05", "123456789.123456789", "-1234567.8", "10000", "99990000.0001",
                        "00042.100", "+7", "1234567890123456789012345678901234567890.5"]
        var values: [Value] = []
        for (index, decimal) in decimals.enumerated() {
            let integer: Int64 = [0, 1, -1, Int64.max, Int64.min, 10_000][index % 6]
            values += [.integer(integer), .real([0.1, -2.5e-300, 1e300, .infinity][index % 4]), .text(decimal),
                       .integer(Int64(index % 2)), .text(["plain", "tab\tnew\nline", "é ünïcode", ""][index % 4])]
        }
        values += [.null, .null, .null, .null, .null]
        let rows = GroupedRows(columnCount: 5, rows: stride(from: 0, to: values.count, by: 5).map {
            AggregatedRow(values: Array(values[$0..<$0 + 5]), firstLine: $0)
        })
        let encoded = try #require(PostgresBinaryCopy.encode(rows, columns: [.int8, .float8, .numeric, .bool, .bytes]))
        let stream = try PostgresCopyStream(link: link, table: PostgresTableName(name: "b"), columns: ["i", "r", "d", "f", "t"], binary: true)
        stream.send(encoded)
        try stream.finish()
        let read = try link.query("SELECT i::TEXT, r::TEXT, d::TEXT, f::TEXT, t FROM b").rows.map { try $0.decode((String?, String?, String?, String?, String?).self) }
        #expect(read.count == decimals.count + 1)
        for (index, decimal) in decimals.enumerated() {
            let expected = try link.query("SELECT \(decimal)::NUMERIC::TEXT").rows[0].decode(String.self)
            #expect(read[index].2 == expected, "decimal \(decimal)")
            #expect(read[index].0 == String([0, 1, -1, Int64.max, Int64.min, 10_000][index % 6]))
            #expect(read[index].3 == (index % 2 == 1 ? "true" : "false"))
            #expect(read[index].4 == ["plain", "tab\tnew\nline", "é ünïcode", ""][index % 4])
        }
        #expect(read.map(\.1).prefix(4) == ["0.1", "-2.5e-300", "1e+300", "Infinity"])
        #expect(read.last.map { [$0.0, $0.1, $0.2, $0.3, $0.4] } == [nil, nil, nil, nil, nil])
    }

    @Test("a value that is not of its column's kind makes the batch unencodable, never wrong")
    func mismatch() {
        let rows = GroupedRows(columnCount: 1, rows: [AggregatedRow(values: [.text("x")], firstLine: 1)])
        #expect(PostgresBinaryCopy.encode(rows, columns: [.int8]) == nil)
        #expect(PostgresBinaryCopy.encode(rows, columns: [.numeric]) == nil)
    }
}
