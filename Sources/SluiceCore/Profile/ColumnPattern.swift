import Foundation

/// A column's `pattern:` — a regular expression every value must match whole.
///
/// Wraps `NSRegularExpression`, which is immutable once made and safe to use
/// from several threads (Foundation documents it as thread-safe); hence the
/// `@unchecked Sendable`.
public final class ColumnPattern: @unchecked Sendable, CustomStringConvertible {
    public let source: String
    private let regex: NSRegularExpression

    public init(_ source: String) throws {
        self.source = source
        self.regex = try NSRegularExpression(pattern: "^(?:" + source + ")$")
    }

    public func matches(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..., in: text)
        return regex.firstMatch(in: text, options: [], range: range) != nil
    }

    public var description: String { source }
}
