import Foundation

/// A column's `in:` list, for the mapper's fast path.
///
/// A short list is matched byte for byte against the field, which costs
/// less than hashing a `String` for a `Set` (that showed in profiles). Only
/// a match is final: a miss goes to the slow path, which compares as
/// `String`s do (a differently composed accent is still the same text) and
/// words the error.
enum AllowedTexts: Sendable {
    /// Every value's UTF-8 one after the other, and where each ends.
    case few(bytes: [UInt8], ends: [Int])
    case many(Set<String>)

    /// Lists up to this long are scanned rather than hashed.
    private static let scanLimit = 16

    init(_ values: [String]) {
        guard values.count <= Self.scanLimit else { self = .many(Set(values)); return }
        var bytes: [UInt8] = [], ends: [Int] = []
        for value in values {
            bytes += value.utf8
            ends.append(bytes.count)
        }
        self = .few(bytes: bytes, ends: ends)
    }

    /// Whether the field (`bytes`, made into `text`) is one of the values.
    @inline(__always)
    func admits(_ field: UnsafeBufferPointer<UInt8>, text: String) -> Bool {
        switch self {
        case .many(let values):
            return values.contains(text)
        case .few(let bytes, let ends):
            return bytes.withUnsafeBufferPointer { all in
                var start = 0
                for end in ends {
                    defer { start = end }
                    guard end - start == field.count else { continue }
                    if field.isEmpty || memcmp(all.baseAddress! + start, field.baseAddress!, field.count) == 0 { return true }
                }
                return false
            }
        }
    }
}
