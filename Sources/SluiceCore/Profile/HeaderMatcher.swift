/// Matches names loosely, the way people write headers: case, spaces,
/// underscores, dashes and dots do not count, so `Node-ID`, `node_id` and
/// `node.id` are one name.
public struct HeaderMatcher: Sendable {
    private var positions: [String: Int] = [:]

    public init(names: [String]) {
        for (index, name) in names.enumerated() where positions[Self.normalize(name)] == nil {
            positions[Self.normalize(name)] = index
        }
    }

    public func index(of name: String) -> Int? { positions[Self.normalize(name)] }

    public static func normalize(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { !" _-.\t".unicodeScalars.contains($0) })
    }
}
