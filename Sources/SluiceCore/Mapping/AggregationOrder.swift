/// How `min` and `max` order the values of one column: numbers as numbers,
/// decimals exactly (they travel as text, and `9.5` < `10.25` though not as
/// strings), other text by its UTF-8 bytes, as SQLite's default collation does.
enum AggregationOrder {
    /// Whether `a` comes before `b` among values of a column of type `type`.
    static func precedes(_ a: Value, _ b: Value, type: ColumnType) -> Bool {
        switch (a, b) {
        case let (.integer(x), .integer(y)): return x < y
        case let (.text(x), .text(y)):
            if type == .decimal, let order = compareDecimals(x, y) { return order < 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.null, _), (_, .null): return false
        default:
            // Mixed kinds: numbers before text, as in SQLite.
            switch (a.isText, b.isText) {
            case (false, false): return (a.number ?? 0) < (b.number ?? 0)
            case (false, true): return true
            case (true, false): return false
            case (true, true): return false
            }
        }
    }

    /// Compares two canonical decimals (`-12.50`, `007`, see
    /// `ValueParser.decimal`) exactly: -1, 0 or 1; nil when either is not one.
    static func compareDecimals(_ a: String, _ b: String) -> Int? {
        guard let x = DecimalParts(a), let y = DecimalParts(b) else { return nil }
        if x.negative != y.negative { return x.negative ? -1 : 1 }
        let magnitude = x.compareMagnitude(with: y)
        return x.negative ? -magnitude : magnitude
    }

    /// A decimal as sign and digits, without the zeros that do not count.
    private struct DecimalParts {
        var negative: Bool
        var whole: [UInt8]
        var fraction: [UInt8]

        init?(_ text: String) {
            var bytes = Array(text.utf8)[...]
            negative = bytes.first == UInt8(ascii: "-")
            if negative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            let point = bytes.firstIndex(of: UInt8(ascii: "."))
            var whole = point.map { bytes[..<$0] } ?? bytes
            var fraction = point.map { bytes[bytes.index(after: $0)...] } ?? []
            guard !whole.isEmpty, whole.allSatisfy(Self.isDigit), fraction.allSatisfy(Self.isDigit),
                  point == nil || !fraction.isEmpty else { return nil }
            while whole.first == UInt8(ascii: "0") { whole = whole.dropFirst() }
            while fraction.last == UInt8(ascii: "0") { fraction = fraction.dropLast() }
            self.whole = Array(whole)
            self.fraction = Array(fraction)
            if self.whole.isEmpty && self.fraction.isEmpty { negative = false }  // -0 is 0
        }

        func compareMagnitude(with other: DecimalParts) -> Int {
            if whole.count != other.whole.count { return whole.count < other.whole.count ? -1 : 1 }
            if whole != other.whole { return whole.lexicographicallyPrecedes(other.whole) ? -1 : 1 }
            if fraction == other.fraction { return 0 }
            return fraction.lexicographicallyPrecedes(other.fraction) ? -1 : 1
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    }
}

extension Value {
    var isText: Bool { if case .text = self { return true } else { return false } }
}
