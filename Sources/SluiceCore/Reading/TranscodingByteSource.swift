/// Converts another byte source from latin1, windows-1252 or UTF-16 to UTF-8
/// as it is read, so the readers downstream only ever see UTF-8.
///
/// The conversion never fails: whatever cannot be decoded becomes U+FFFD,
/// which the field decoders then treat like any other character. That
/// covers an unpaired UTF-16 surrogate and an odd byte at the end of UTF-16
/// input. Blocks may split a UTF-16 code unit or surrogate pair anywhere;
/// the partial unit is carried over to the next block.
///
/// A byte order mark at the start of UTF-16 input is removed. In windows-1252
/// the five bytes the code page leaves undefined (0x81, 0x8D, 0x8F, 0x90,
/// 0x9D) become the C1 controls with the same number, as the WHATWG Encoding
/// Standard specifies, so no byte is lost or silently replaced.
///
/// With `.utf8` the bytes pass through untouched; checking UTF-8 is the field
/// decoders' job.
///
/// Not `Sendable`: it carries decoding state between reads.
public final class TranscodingByteSource: ByteSource {
    public let encoding: InputEncoding
    /// Bytes taken from the wrapped source, so progress stays in file terms.
    public var bytesConsumed: Int64 { source.bytesConsumed }

    private let source: any ByteSource
    private let input: UnsafeMutableRawBufferPointer
    /// Converted bytes waiting to be handed out, `output[outputStart..<outputEnd]`.
    private let output: UnsafeMutablePointer<UInt8>
    private var outputStart = 0
    private var outputEnd = 0
    private var decoder: TextDecoder
    private var sourceEnded = false

    /// - Parameter inputBlockSize: the most bytes to take from `source` at once.
    public init(source: any ByteSource, encoding: InputEncoding, inputBlockSize: Int = 1 << 16) {
        self.source = source
        self.encoding = encoding
        self.decoder = TextDecoder(encoding: encoding)
        let inputCapacity = max(1, inputBlockSize)
        self.input = .allocate(byteCount: inputCapacity, alignment: 1)
        self.output = .allocate(capacity: TextDecoder.maximumOutput(forInput: inputCapacity))
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if encoding == .utf8 { return try source.read(into: buffer) }
        while outputStart == outputEnd {
            if sourceEnded { return 0 }
            try convertNextBlock(wanted: buffer.count)
        }
        let count = min(buffer.count, outputEnd - outputStart)
        base.copyMemory(from: output + outputStart, byteCount: count)
        outputStart += count
        return count
    }

    /// Takes about as many bytes from the source as will fit in the caller's
    /// buffer once converted (one byte can become three), so a small read
    /// stays small instead of converting a whole block ahead.
    private func convertNextBlock(wanted: Int) throws {
        let request = min(input.count, max(1, wanted / 3))
        let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: input[..<request]))
        var writer = UTF8Writer(base: output)
        if count == 0 {
            sourceEnded = true
            decoder.finish(into: &writer)
        } else {
            decoder.convert(UnsafeRawBufferPointer(rebasing: input[..<count]), into: &writer)
        }
        outputStart = 0
        outputEnd = writer.count
    }
}

/// The conversion itself, with the state that must survive between blocks.
private struct TextDecoder {
    let encoding: InputEncoding
    var bigEndian: Bool
    /// The first byte of a UTF-16 code unit whose second byte is in the next block.
    var carriedByte: UInt8?
    /// A high surrogate waiting to see whether a low surrogate follows.
    var pendingHighSurrogate: UInt16?
    var atStart = true

    init(encoding: InputEncoding) {
        self.encoding = encoding
        self.bigEndian = encoding == .utf16be
    }

    /// Output space that always suffices for `count` input bytes plus what
    /// was carried over: a byte becomes at most 3 UTF-8 bytes (windows-1252
    /// €, or a UTF-16 unit completing after a dropped high surrogate), and a
    /// carried byte or a flush adds at most two U+FFFD.
    static func maximumOutput(forInput count: Int) -> Int {
        3 * count + 8
    }

    mutating func convert(_ bytes: UnsafeRawBufferPointer, into out: inout UTF8Writer) {
        switch encoding {
        case .utf8:
            for byte in bytes { out.append(byte: byte) }
        case .latin1:
            for byte in bytes { out.append(scalar: UInt32(byte)) }
        case .windows1252:
            let table = windows1252From80To9F
            for byte in bytes {
                if byte >= 0x80 && byte <= 0x9F {
                    out.append(scalar: UInt32(table[Int(byte) - 0x80]))
                } else {
                    out.append(scalar: UInt32(byte))
                }
            }
        case .utf16, .utf16le, .utf16be:
            for byte in bytes {
                guard let first = carriedByte else {
                    carriedByte = byte
                    continue
                }
                carriedByte = nil
                let unit = bigEndian
                    ? UInt16(first) << 8 | UInt16(byte)
                    : UInt16(byte) << 8 | UInt16(first)
                take(unit, into: &out)
            }
        }
    }

    /// At the end of input, whatever is still half-read becomes U+FFFD.
    mutating func finish(into out: inout UTF8Writer) {
        if pendingHighSurrogate != nil { out.append(scalar: replacementCharacter) }
        if carriedByte != nil { out.append(scalar: replacementCharacter) }
        pendingHighSurrogate = nil
        carriedByte = nil
    }

    private mutating func take(_ unit: UInt16, into out: inout UTF8Writer) {
        if atStart {
            atStart = false
            if unit == 0xFEFF { return }  // a byte order mark in the expected order
            if unit == 0xFFFE && encoding == .utf16 {  // FE FF: the mark says big-endian
                bigEndian = true
                return
            }
        }
        if let high = pendingHighSurrogate {
            pendingHighSurrogate = nil
            if (0xDC00...0xDFFF).contains(unit) {
                out.append(scalar: 0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00))
                return
            }
            out.append(scalar: replacementCharacter)
        }
        switch unit {
        case 0xD800...0xDBFF: pendingHighSurrogate = unit
        case 0xDC00...0xDFFF: out.append(scalar: replacementCharacter)
        default: out.append(scalar: UInt32(unit))
        }
    }
}

/// Appends UTF-8 to memory sized by `TextDecoder.maximumOutput(forInput:)`.
private struct UTF8Writer {
    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    mutating func append(byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// `scalar` is always a valid scalar here: callers never pass a surrogate.
    mutating func append(scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            append(byte: UInt8(scalar))
        case ..<0x800:
            append(byte: UInt8(0xC0 | scalar >> 6))
            append(byte: UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            append(byte: UInt8(0xE0 | scalar >> 12))
            append(byte: UInt8(0x80 | scalar >> 6 & 0x3F))
            append(byte: UInt8(0x80 | scalar & 0x3F))
        default:
            append(byte: UInt8(0xF0 | scalar >> 18))
            append(byte: UInt8(0x80 | scalar >> 12 & 0x3F))
            append(byte: UInt8(0x80 | scalar >> 6 & 0x3F))
            append(byte: UInt8(0x80 | scalar & 0x3F))
        }
    }
}

private let replacementCharacter: UInt32 = 0xFFFD

/// Windows-1252 differs from latin1 only in 0x80–0x9F. The five undefined
/// bytes keep their C1 control (0x81, 0x8D, 0x8F, 0x90, 0x9D).
private let windows1252From80To9F: [UInt16] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80–87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,  // 88–8F
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90–97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,  // 98–9F
]
