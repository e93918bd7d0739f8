/// Why rows cannot be aggregated as the profile asks: a column the import
/// does not have, or a sum too large for its type. Said for the user, with
/// the line of the row that made it fail when there is one:
///
///     line 1204: aggregate column 'total': sum(bytes) overflows a 64-bit integer in the group node_id = 7
public struct AggregationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public init(line: Int? = nil, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "line \(line): \(message)" }
        return message
    }
}
