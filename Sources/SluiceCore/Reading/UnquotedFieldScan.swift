/// Finds where an unquoted CSV field ends: at the first delimiter, LF or CR.
///
/// Most of the reader's time goes here, so it looks at eight bytes at a
/// time, testing all eight for the three stop bytes with a few integer
/// operations (the "has zero byte" trick), and steps byte by byte only near
/// the end of the data.
enum UnquotedFieldScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first stop byte in `bytes[start..<end]`, or `end`.
    @inline(__always)
    static func end(of bytes: UnsafePointer<UInt8>, from start: Int, to end: Int, delimiter: UInt8) -> Int {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let delimiters = ones &* UInt64(delimiter), lfs = ones &* UInt64(lf), crs = ones &* UInt64(cr)
        var i = start
        while i + 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self))
            let stops = zeroBytes(word ^ delimiters) | zeroBytes(word ^ lfs) | zeroBytes(word ^ crs)
            // Only bytes above a true match can be false matches, so the lowest marked byte is exact.
            if stops != 0 { return i + stops.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            let c = bytes[i]
            if c == delimiter || c == lf || c == cr { return i }
            i += 1
        }
        return end
    }

    /// The high bit of each byte of `word` that is zero (plus, possibly, of bytes above one that is).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word & highBits
    }
}
