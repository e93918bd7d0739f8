import Testing
@testable import SluiceCore

/// Expects `yaml` (as file p.yaml) to fail to load with `message` at `line`:`column`.
func expectProfileError(_ yaml: String, line: Int, column: Int, message: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try ProfileLoader.parse(yaml: yaml, file: "p.yaml")
        Issue.record("expected an error", sourceLocation: sourceLocation)
    } catch {
        #expect(error.line == line && error.column == column, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(message), "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("p.yaml:\(line):\(column): "), "\(error)", sourceLocation: sourceLocation)
    }
}
