import Foundation
import Testing
@testable import SluiceCore

@Suite("Aggregating rows by key")
struct AggregatorTests {
    static let columns: [(name: String, type: ColumnType)] = [
        ("node", .integer), ("amount", .decimal), ("bytes", .integer), ("label", .text), ("x", .real),
    ]
    static let spec = AggregateSpec(by: ["node"], columns: [
        AggregateColumn(name: "rows", function: .count),
        AggregateColumn(name: "total", function: .sum("amount")),
        AggregateColumn(name: "bytes_total", function: .sum("bytes")),
        AggregateColumn(name: "first_label", function: .min("label")),
        AggregateColumn(name: "last_label", function: .max("label")),
        AggregateColumn(name: "low", function: .min("amount")),
        AggregateColumn(name: "high", function: .max("Amount")),
        AggregateColumn(name: "x_sum", function: .sum("x")),
    ])

    @Test("count, sum, min and max per group, NULLs skipped as in SQL, groups in order of first appearance")
    func groups() throws {
        let aggregator = try Aggregator(spec: Self.spec, columns: Self.columns)
        #expect(aggregator.outputColumns.map(\.name) == ["node", "rows", "total", "bytes_total", "first_label", "last_label", "low", "high", "x_sum"])
        #expect(aggregator.outputColumns.map(\.type) == [.integer, .integer, .real, .integer, .text, .text, .decimal, .decimal, .real])
        let rows: [(Int, [Value])] = [
            (2, [.integer(1), .text("9.5"), .integer(10), .text("b"), .real(0.5)]),
            (3, [.integer(2), .null, .null, .null, .null]),
            (5, [.integer(1), .text("10.25"), .null, .text("a"), .null]),
            (6, [.integer(1), .null, .integer(5), .text("c"), .real(1.25)]),
            (7, [.null, .text("1"), .integer(1), .text("z"), .real(2)]),
            (9, [.integer(2), .text("-3"), .null, .null, .null]),
        ]
        for (line, row) in rows { try aggregator.add(row: row[...], line: line) }
        #expect(aggregator.groupCount == 3)
        #expect(aggregator.rows() == [
            AggregatedRow(values: [.integer(1), .integer(3), .real(19.75), .integer(15), .text("a"), .text("c"), .text("9.5"), .text("10.25"), .real(1.75)],
                          firstLine: 2),
            AggregatedRow(values: [.integer(2), .integer(2), .real(-3), .null, .null, .null, .text("-3"), .text("-3"), .null], firstLine: 3),
            AggregatedRow(values: [.null, .integer(1), .real(1), .integer(1), .text("z"), .text("z"), .text("1"), .text("1"), .real(2)], firstLine: 7),
        ])
    }

    @Test("a composite key, and rows taken from a slice of a batch")
    func compositeKey() throws {
        let spec = AggregateSpec(by: ["label", "node"], columns: [AggregateColumn(name: "n", function: .count)])
        let aggregator = try Aggregator(spec: spec, columns: Self.columns)
        let flat: [Value] = [.integer(1), .null, .null, .text("a"), .null,
                             .integer(1), .null, .null, .text("b"), .null,
                             .integer(1), .null, .null, .text("a"), .null]
        for row in 0..<3 { try aggregator.add(row: flat[(row * 5)..<((row + 1) * 5)], line: row + 2) }
        #expect(aggregator.outputColumns.map(\.name) == ["label", "node", "n"])
        #expect(aggregator.rows().map(\.values) == [[.text("a"), .integer(1), .integer(2)], [.text("b"), .integer(1), .integer(1)]])
    }

    @Test("an integer sum that overflows is an error at the row's line, and the row changes nothing")
    func overflow() throws {
        let spec = AggregateSpec(by: ["node"], columns: [AggregateColumn(name: "n", function: .count),
                                                        AggregateColumn(name: "b", function: .sum("bytes"))])
        let aggregator = try Aggregator(spec: spec, columns: Self.columns)
        try aggregator.add(row: [.integer(7), .null, .integer(.max - 1), .null, .null], line: 2)
        do {
            try aggregator.add(row: [.integer(7), .null, .integer(5), .null, .null], line: 4)
            Issue.record("expected an overflow")
        } catch {
            #expect(error.line == 4)
            #expect(error.description == "line 4: aggregate column 'b': sum(bytes) overflows a 64-bit integer in the group node = 7")
        }
        #expect(aggregator.rows() == [AggregatedRow(values: [.integer(7), .integer(1), .integer(.max - 1)], firstLine: 2)])
    }

    @Test("columns the import lacks, and sums of text, are refused up front")
    func badSpecs() {
        #expect(throws: AggregationError(message: "aggregate.by: 'zone' is not a column of the import (node, amount, bytes, label, x)")) {
            _ = try Aggregator(spec: AggregateSpec(by: ["zone"]), columns: Self.columns)
        }
        #expect(throws: AggregationError(message: "aggregate column 't': sum needs an integer, real or decimal column; 'label' is text")) {
            _ = try Aggregator(spec: AggregateSpec(by: ["node"], columns: [AggregateColumn(name: "t", function: .sum("label"))]),
                               columns: Self.columns)
        }
    }

    @Test("decimals order exactly, text by bytes")
    func order() {
        #expect(AggregationOrder.compareDecimals("9.5", "10.25") == -1)
        #expect(AggregationOrder.compareDecimals("0.45", "0.5") == -1)
        #expect(AggregationOrder.compareDecimals("007.50", "7.5") == 0)
        #expect(AggregationOrder.compareDecimals("-0.0", "0") == 0)
        #expect(AggregationOrder.compareDecimals("-2", "-10") == 1)
        #expect(AggregationOrder.compareDecimals("12345678901234567.01", "12345678901234567.001") == 1)
        #expect(AggregationOrder.precedes(.text("Z"), .text("a"), type: .text))
        #expect(AggregationOrder.precedes(.text("é"), .text("z"), type: .text) == false)
    }

    @Test("hash buckets aggregated one by one give every key exactly once, as the whole file does")
    func bucketsAggregateEachKeyOnce() throws {
        let profile = try ProfileLoader.parse(yaml: """
            columns:
              node: {type: integer, required: true}
              amount: decimal
              start: integer
              note: text
            aggregate:
              by: [node]
              columns:
                sessions: count
                total: sum(amount)
                first_start: min(start)
                last_start: max(start)
            """, file: "agg.yaml")
        var text = "node,amount,start,note\n"
        for id in 1...600 {
            let node = id % 97 == 0 ? "x" : id % 11 == 0 ? "-0" : String((id * 13) % 29)
            text += "\(node),\(id % 7 == 0 ? "" : "\(id).25"),\(id * 60),\"note\n\(id)\"\n"
        }
        let directory = try TemporaryDirectory()
        let path = try directory.write("plans.csv", text)
        let header = try CSVRecordReader(source: try FileByteSource(path: path), fileName: path, dialect: .csv).header ?? []
        let plan = try PlanBuilder(file: path, headerLine: 1, sourceColumns: header, sniffedTypes: [], profile: profile, existing: nil,
                                   table: "t", mode: .append, key: [], alter: false, positional: true).build()
        let spec = try #require(profile.aggregate)
        let mapper = RowMapper(plan: plan)

        func aggregate(_ reader: any RecordReader) throws -> (rows: [AggregatedRow], rejected: [Int]) {
            let aggregator = try Aggregator(spec: spec, plan: plan)
            var rejected: [Int] = []
            while let batch = try reader.nextBatch() {
                let mapped = mapper.map(batch)
                for row in 0..<mapped.rowCount {
                    try aggregator.add(row: mapped.row(row), line: batch.records[Int(mapped.recordIndexes[row])].line)
                }
                rejected += mapped.rejections.map(\.line)
            }
            return (aggregator.rows(), rejected)
        }

        let whole = try aggregate(try CSVRecordReader(source: try FileByteSource(path: path), fileName: path, dialect: .csv))
        #expect(whole.rows.count == 29)
        #expect(whole.rejected.count == 6)
        let buckets = try BucketPartitioner.partition(path: path, dialect: .csv, key: try plan.partitionKey(by: spec.by, file: path),
                                                      count: 4, into: directory.url.appendingPathComponent("b"))
        var pieces: [AggregatedRow] = []
        var rejected: [Int] = []
        for bucket in buckets {
            let part = try aggregate(try BucketRecordReader(bucket: bucket, dialect: .csv))
            pieces += part.rows
            rejected += part.rejected
        }
        #expect(Set(pieces.map { $0.values[0] }).count == pieces.count, "a key came out of two buckets")
        #expect(pieces.sorted { $0.firstLine < $1.firstLine } == whole.rows)
        #expect(rejected.sorted() == whole.rejected)
    }
}
