import Testing
@testable import SluiceCore

/// The compiled fast path must agree with the tree evaluator on every row it
/// decides, and must decide the rows of numbers it exists for.
@Suite("Numeric rule programs")
struct NumericRuleProgramTests {
    private static let columns = ["a", "b", "c"]

    private static func bound(_ source: String) throws -> BoundRule {
        try RuleExpression.parse(source).bind { columns.firstIndex(of: $0) }
    }

    private static let cells: [Value] = [
        .null, .integer(0), .integer(1), .integer(-7), .integer(60), .integer(2_592_000),
        .integer(.max), .integer(.min), .real(0.5), .real(-0.0), .real(1e300), .real(.infinity), .real(.nan),
        .text("12"), .text("abc"),
    ]

    @Test("agrees with the evaluator on every row it decides", arguments: [
        "b - a >= 60 and b - a <= 2592000",
        "a * b > c or not a < 0",
        "-a + b / c = 2",
        "a / 0 = 1 or a = null",
        "a and not b",
        "a or (b < 1e3 and c != 0.5)",
        "a - b - c <= 9223372036854775807",
    ])
    func agrees(source: String) throws {
        let rule = try Self.bound(source)
        let program = try #require(rule.program, "\(source) should compile")
        var decided = 0
        for a in Self.cells {
            for b in Self.cells {
                for c in Self.cells {
                    let row = [a, b, c]
                    let slow = RuleEvaluator(row: row[...], positions: rule.positions, names: rule.names).outcome(of: rule.root)
                    guard let fast = row.withUnsafeBufferPointer({ program.outcome($0) }) else { continue }
                    #expect(fast == slow, "\(source) on \(row)")
                    decided += 1
                }
            }
        }
        #expect(decided > Self.cells.count)
    }

    @Test("decides every row of numbers and NULLs when no column serves as a truth")
    func decidesNumbers() throws {
        let program = try #require(try Self.bound("b - a >= 60 and b - a <= 2592000").program)
        let rows: [[Value]] = [[.integer(1), .integer(100), .null], [.real(0.5), .null, .null], [.integer(.min), .integer(.max), .null]]
        for row in rows {
            #expect(row.withUnsafeBufferPointer({ program.outcome($0) }) != nil, "\(row)")
        }
    }

    @Test("leaves text cells, numbers used as truths and missing columns to the evaluator")
    func defers() throws {
        let program = try #require(try Self.bound("a and b > 1").program)
        #expect([Value.text("2"), .integer(1)].withUnsafeBufferPointer({ program.outcome($0) }) == nil)
        #expect([Value.integer(5), .integer(2)].withUnsafeBufferPointer({ program.outcome($0) }) == nil)
        #expect([Value.integer(1)].withUnsafeBufferPointer({ program.outcome($0) }) == nil)
    }

    @Test("does not compile rules with text or truth constants, or arithmetic on truths", arguments: [
        "a = 'x'", "a = true", "(a > 1) + 1 > 0", "a + 1",
    ])
    func refuses(source: String) throws {
        #expect(try Self.bound(source).program == nil)
    }
}
