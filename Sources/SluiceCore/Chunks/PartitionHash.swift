/// The hash that sends a record to its bucket: FNV-1a over 64 bits.
///
/// Not Swift's `Hasher`, which is seeded anew in every process: the planner
/// and the workers that read its buckets may be different processes, and a
/// plan must mean the same thing tomorrow. FNV-1a is simple, fast on short
/// keys and fixed forever; a test pins its values, so changing it is a
/// deliberate act.
public struct PartitionHash: Sendable, Equatable {
    public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01B3
    /// Written between the fields of a key, so that `("ab", "c")` and
    /// `("a", "bc")` hash differently (the unit separator of ASCII).
    public static let separator: UInt8 = 0x1F

    public private(set) var value: UInt64 = PartitionHash.offsetBasis

    public init() {}

    @inline(__always)
    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    @inline(__always)
    public mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var hash = value
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* Self.prime }
        value = hash
    }

    public mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { combine($0) }
    }

    /// The bucket of a hash among `count` buckets.
    @inline(__always)
    public static func bucket(of hash: UInt64, count: Int) -> Int {
        Int(hash % UInt64(max(1, count)))
    }

    /// The hash of a key given as the canonical text of its fields (nil, a
    /// NULL, hashes as no bytes): the same bytes the partitioner hashes.
    public static func hash(key: [String?]) -> UInt64 {
        var hash = PartitionHash()
        for (position, field) in key.enumerated() {
            if position > 0 { hash.combine(separator) }
            if let field { hash.combine(field) }
        }
        return hash.value
    }
}
