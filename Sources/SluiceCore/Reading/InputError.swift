/// A problem with the input itself, reported as one line that names the
/// file, the line (when there is one) and what is wrong:
///
///     plans.csv: line 1204: unterminated quoted field (the quote opens here and never closes)
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int? = nil, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        if let line { return "\(file): line \(line): \(problem)" }
        return "\(file): \(problem)"
    }
}
