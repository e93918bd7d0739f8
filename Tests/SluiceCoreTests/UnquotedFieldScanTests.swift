import Testing
@testable import SluiceCore

@Suite("Unquoted field scan")
struct UnquotedFieldScanTests {
    @Test("finds the first delimiter, LF or CR at every position, as a byte-by-byte search does")
    func matchesByteSearch() {
        var generator = SystemRandomNumberGenerator()
        // Bytes near the stop bytes and high bytes, where a word-at-a-time test could go wrong.
        let alphabet: [UInt8] = [0x00, 0x01, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x2B, 0x2C, 0x2D, 0x41, 0x7F, 0x80, 0x8C, 0xAC, 0xFF]
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator)! }
            let delimiter: UInt8 = Bool.random(using: &generator) ? 0x2C : 0x09
            let start = Int.random(in: 0...count, using: &generator)
            let expected = bytes[start...].firstIndex { $0 == delimiter || $0 == 0x0A || $0 == 0x0D } ?? count
            let found = bytes.withUnsafeBufferPointer {
                UnquotedFieldScan.end(of: $0.baseAddress ?? UnsafePointer(bitPattern: 1)!, from: start, to: count, delimiter: delimiter)
            }
            #expect(found == expected, "\(bytes) from \(start)")
        }
    }
}
