import Testing
@testable import SluiceCore

@Suite("Loading a profile's aggregate section")
struct AggregateProfileTests {
    static func yaml(by: String = "[node]", columns: String = "    total: sum(amount)") -> String {
        "columns:\n  node: integer\n  amount: decimal\n  region: text\naggregate:\n  by: \(by)\n  columns:\n\(columns)\n"
    }

    @Test("a valid section loads in order, and prints back the same")
    func valid() throws {
        let yaml = """
            columns:
              node_id: integer
              start: integer
              stop: integer
              invoice_amount: decimal
            aggregate:
              by: [node_id]
              columns:
                sessions: count
                total_invoice: SUM( invoice_amount )
                first_start: min(start)
                last_stop: "max(stop)"
            """
        let profile = try ProfileLoader.parse(yaml: yaml, file: "a.yaml")
        let expected = AggregateSpec(by: ["node_id"], columns: [
            AggregateColumn(name: "sessions", function: .count),
            AggregateColumn(name: "total_invoice", function: .sum("invoice_amount")),
            AggregateColumn(name: "first_start", function: .min("start")),
            AggregateColumn(name: "last_stop", function: .max("stop")),
        ])
        #expect(profile.aggregate == expected)
        let again = try ProfileLoader.parse(yaml: ProfileWriter.yaml(profile), file: "again.yaml")
        #expect(again.aggregate == expected)
        #expect(try ProfileLoader.parse(yaml: try ProfileLoaderTests.plans, file: "plans.yaml").aggregate == nil)
    }

    @Test("`by` may be one name, and `columns` may be left out (one row per distinct key)")
    func shortForms() throws {
        let profile = try ProfileLoader.parse(yaml: "columns:\n  a: text\n  b: integer\naggregate:\n  by: a\n", file: "s.yaml")
        #expect(profile.aggregate == AggregateSpec(by: ["a"]))
    }

    @Test("mistakes are reported at their line and column", arguments: [
        (yaml(columns: "    total: avg(amount)"), 8, 12, "unknown function 'avg(amount)'; use count, sum(column), min(column) or max(column)"),
        (yaml(columns: "    total: sum(amt)"), 8, 16, "aggregate column 'total': 'amt' in sum(amt) is not among the profile's columns"),
        (yaml(columns: "    total: \"max( amt)\""), 8, 18, "'amt' in max(amt) is not among the profile's columns"),
        (yaml(columns: "    total: sum(region)"), 8, 16, "sum needs an integer, real or decimal column; 'region' is text"),
        (yaml(columns: "    total: count(region)"), 8, 12, "unknown function 'count(region)'"),
        (yaml(by: "[]"), 6, 7, "aggregate.by is empty"),
        (yaml(by: "[node, zone]"), 6, 14, "aggregate.by: 'zone' is not among the profile's columns"),
        (yaml(by: "[node, Node]"), 6, 14, "aggregate.by names 'Node' twice"),
        (yaml(columns: "    node: count"), 8, 5, "aggregate column 'node' has the same name as the group column 'node'"),
        (yaml(columns: "    n: count\n    N: count"), 9, 5, "aggregate column 'N' has the same name as 'n'"),
        ("columns:\n  a: text\naggregate:\n  group: [a]\n", 4, 3, "unknown key 'group' in aggregate"),
        ("columns:\n  a: text\naggregate:\n  columns:\n    n: count\n", 4, 3, "aggregate has no 'by'"),
        ("columns:\n  a: text\naggregate: [a]\n", 3, 12, "aggregate must be a mapping"),
    ])
    func mistakes(yaml: String, line: Int, column: Int, message: String) {
        expectProfileError(yaml, line: line, column: column, message: message)
    }
}
