import Foundation
import Testing
@testable import SluiceCore

@Suite("Loading profiles")
struct ProfileLoaderTests {
    /// The repository's own `profiles/plans.yaml`: this exact file must load.
    static var plans: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOfFile: root.appendingPathComponent("profiles/plans.yaml").path, encoding: .utf8)
        }
    }

    @Test("the plans profile loads exactly as written")
    func plans() throws {
        let profile = try ProfileLoader.parse(yaml: try Self.plans, file: "plans.yaml")
        #expect(profile.table == "plans")
        #expect(profile.columns.map(\.name) == ["node_id", "start", "stop", "invoice_amount", "gpu_class", "region", "note"])
        #expect(profile.columns.map(\.type) == [.integer, .integer, .integer, .decimal, .text, .text, .text])
        #expect(profile.columns[0].required && profile.columns[0].aliases == ["key.1", "node"])
        #expect(profile.columns[3].min == 0)
        #expect(profile.columns[4].allowed == ["RTX3090", "A100", "H100", "L4"])
        #expect(profile.rules.map(\.name) == ["duration"])
        #expect(profile.rules[0].message == "duration must be between 1 minute and 30 days")
        #expect(profile.key == ["node_id", "start"])
        #expect(profile.mode == .append)
        #expect(profile.errors == ErrorBudget(maxErrors: 10000))
    }

    @Test("a printed profile loads back the same")
    func roundTrip() throws {
        let profile = try ProfileLoader.parse(yaml: try Self.plans, file: "plans.yaml")
        let again = try ProfileLoader.parse(yaml: ProfileWriter.yaml(profile, comment: "round trip"), file: "again.yaml")
        #expect(again.columns.map(\.name) == profile.columns.map(\.name))
        #expect(again.columns.map(\.type) == profile.columns.map(\.type))
        #expect(again.columns.map(\.aliases) == profile.columns.map(\.aliases))
        #expect(again.columns.map(\.allowed) == profile.columns.map(\.allowed))
        #expect(again.rules.map(\.expression.source) == profile.rules.map(\.expression.source))
        #expect(again.key == profile.key && again.mode == profile.mode && again.errors == profile.errors)
    }

    @Test("mistakes are reported at their line and column", arguments: [
        ("columns:\n  a: {type: integr}\n", 2, 13, "unknown type 'integr'"),
        ("columns:\n  a: text\nmode: merge\n", 3, 7, "unknown mode 'merge'"),
        ("colums:\n  a: text\n", 1, 1, "unknown key 'colums'"),
        ("columns:\n  a: {type: text, min: 1}\n", 2, 6, "min and max apply to integer"),
        ("columns:\n  a: {type: text, pattern: \"[\"}\n", 2, 28, "not a valid regular expression"),
        ("columns:\n  a: text\nkey: [b]\n", 3, 6, "key column 'b'"),
        ("columns: [\n", 2, 1, "not valid YAML"),
    ])
    func mistakes(yaml: String, line: Int, column: Int, message: String) {
        expectProfileError(yaml, line: line, column: column, message: message)
    }

    @Test("a rule that names an unknown column is an error at its line")
    func unknownRuleColumn() {
        #expect(throws: ProfileError.self) {
            try ProfileLoader.parse(yaml: "columns:\n  a: integer\nrules:\n  - expr: \"b > 1\"\n", file: "p.yaml")
        }
    }
}
