import Testing
@testable import SluiceCore

@Suite("Mapping records to rows")
struct RowMapperTests {
    /// Maps `csv` (header first) with a plan built from `profile`.
    func map(_ csv: String, profile: String) throws -> MappedBatch {
        let reader = try CSVRecordReader(source: MemoryByteSource(csv), fileName: "m.csv", dialect: .csv)
        let plan = try PlanBuilder(file: "m.csv", headerLine: 1, sourceColumns: reader.header ?? [], sniffedTypes: [],
                                   profile: try ProfileLoader.parse(yaml: profile, file: "p.yaml"), existing: nil,
                                   table: "t", mode: .append, key: [], alter: false, positional: true).build()
        return RowMapper(plan: plan).map(try #require(try reader.nextBatch()))
    }

    @Test("good rows become typed values in column order")
    func goodRows() throws {
        let batch = try map("b,a\nx,1\n,2\n", profile: "columns:\n  a: integer\n  b: text\n")
        #expect(batch.rowCount == 2)
        #expect(Array(batch.row(0)) == [.integer(1), .text("x")])
        #expect(Array(batch.row(1)) == [.integer(2), .null])
    }

    @Test("each failed check names the column, the value and the reason")
    func checks() throws {
        let profile = """
            columns:
              n: {type: integer, min: 1, max: 9}
              c: {type: text, in: [a, b], required: true}
              p: {type: text, pattern: "[A-Z]{2}[0-9]+"}
              d: {type: date, default: "2024-01-01"}
            """
        let batch = try map("n,c,p,d\n0,a,AB1,\n10,z,ab1,2024-02-30\n5,,AB12,\n", profile: profile)
        #expect(batch.rowCount == 0)
        let messages = batch.rejections.map { $0.errors.map(\.message) }
        #expect(messages[0] == ["column 'n': 0 is less than the minimum 1"])
        #expect(messages[1] == ["column 'n': 10 is more than the maximum 9", "column 'c': 'z' is not one of a, b",
                                "column 'p': 'ab1' does not match the pattern [A-Z]{2}[0-9]+", "column 'd': '2024-02-30' is not a date"])
        #expect(messages[2] == ["column 'c' is required but empty"])
        #expect(batch.rejections[1].errors[0].column == "n" && batch.rejections[1].errors[0].value == "10")
        #expect(batch.rejections.map(\.line) == [2, 3, 4])
    }

    @Test("an in: list admits exact matches, texts that differ only in how an accent is composed, and nothing else")
    func allowedTexts() throws {
        let few = "columns:\n  c: {type: text, in: [caf\u{e9}, tea]}\n"
        let batch = try map("c\ncaf\u{e9}\ncafe\u{301}\ntea\nte\ncafe\n", profile: few)
        #expect(batch.rowCount == 3)
        #expect(batch.rejections.map(\.line) == [5, 6])
        // A list longer than the scanned ones is hashed: the same answers.
        let many = "columns:\n  c: {type: text, in: [" + (0..<40).map { "v\($0)" }.joined(separator: ", ") + ", tea]}\n"
        let hashed = try map("c\nv39\ntea\nte\nv40\n", profile: many)
        #expect(hashed.rowCount == 2)
        #expect(hashed.rejections.map(\.line) == [4, 5])
    }

    @Test("boolean, date, timestamp (ISO 8601 or unix seconds), real and json columns")
    func otherTypes() throws {
        let profile = """
            columns:
              ok: boolean
              day: date
              at: timestamp
              x: real
              doc: json
            """
        let batch = try map("ok,day,at,x,doc\nyes,2024-02-29,1704067200,1e3,\"{\"\"a\"\": [1]}\"\nF,2024-03-01,2024-01-01 10:00+01:00,-0.5,\n", profile: profile)
        #expect(batch.rejections.isEmpty)
        #expect(Array(batch.row(0)) == [.integer(1), .text("2024-02-29"), .text("2024-01-01T00:00:00Z"), .real(1000), .text("{\"a\": [1]}")])
        #expect(Array(batch.row(1)) == [.integer(0), .text("2024-03-01"), .text("2024-01-01T09:00:00Z"), .real(-0.5), .null])
        let bad = try map("ok,day,at,x,doc\nmaybe,2024-02-30,soon,1,{oops\n", profile: profile)
        #expect(bad.rejections.first?.errors.map(\.column) == ["ok", "day", "at", "doc"])
    }

    @Test("a default fills an empty field before required is checked")
    func defaults() throws {
        let batch = try map("a,b\n1,\n", profile: "columns:\n  a: integer\n  b: {type: integer, required: true, default: \"7\"}\n")
        #expect(Array(batch.row(0)) == [.integer(1), .integer(7)])
    }

    @Test("a rule rejects the row with the profile's message; NULL passes")
    func rules() throws {
        let profile = """
            columns:
              start: integer
              stop: integer
            rules:
              - name: order
                expr: "stop > start"
                message: "stop must come after start"
            """
        let batch = try map("start,stop\n1,2\n5,3\n,4\n", profile: profile)
        #expect(batch.rowCount == 2)
        #expect(batch.rejections.map(\.line) == [3])
        #expect(batch.rejections[0].errors == [RowError(kind: .rule, value: "order", message: "stop must come after start")])
    }
}

@Suite("Rules over decimals")
struct DecimalRuleTests {
    @Test("rules compare decimal columns as numbers, not as text")
    func decimalsCompareAsNumbers() throws {
        let reader = try CSVRecordReader(source: MemoryByteSource("price,cost\n14.50,9.00\n9.00,14.50\n"), fileName: "d.csv", dialect: .csv)
        let profile = try ProfileLoader.parse(yaml: """
            columns:
              price: decimal
              cost: decimal
            rules:
              - name: margin
                expr: "price > cost"
            """, file: "p.yaml")
        let plan = try PlanBuilder(file: "d.csv", headerLine: 1, sourceColumns: reader.header ?? [], sniffedTypes: [], profile: profile,
                                   existing: nil, table: "t", mode: .append, key: [], alter: false, positional: true).build()
        let batch = RowMapper(plan: plan).map(try #require(try reader.nextBatch()))
        #expect(batch.rowCount == 1)
        #expect(Array(batch.row(0)) == [.text("14.50"), .text("9.00")])
        #expect(batch.rejections.map(\.line) == [3])
    }
}
