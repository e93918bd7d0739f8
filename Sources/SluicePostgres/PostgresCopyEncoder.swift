import SluiceCore
import NIOCore

/// Rows in PostgreSQL's text COPY format, the only one postgres-nio speaks:
/// fields separated by tabs, rows ended by a newline, NULL as `\N`, and a
/// backslash, tab, newline or carriage return inside a value escaped with a
/// backslash. (The CSV and binary formats are not available through it.)
///
/// This runs for every value of every row, so it writes bytes straight into
/// memory it reserved for them (`CopyText`): writing through NIO's
/// `ByteBuffer` or appending to an array checks capacity, uniqueness and
/// exclusive access byte by byte, which a profile of a 1,000,000-row import
/// showed as a sixth of the client's time.
enum PostgresCopyEncoder {
    /// The COPY text of rows `rows` of `batch`, plus each row's input line
    /// as a last field when `withLine`.
    static func encode<Rows: WritableRows>(_ rows: some Collection<Int>, of batch: Rows, withLine: Bool) -> ByteBuffer {
        var text = CopyText(capacity: rows.count * (batch.columnCount + 1) * 12 + 64)
        batch.values.withUnsafeBufferPointer { values in
            for row in rows {
                let base = row * batch.columnCount
                for column in 0..<batch.columnCount {
                    if column > 0 { text.append(UInt8(ascii: "\t")) }
                    append(values[base + column], to: &text)
                }
                if withLine {
                    text.append(UInt8(ascii: "\t"))
                    text.appendInteger(Int64(batch.line(ofRow: row)))
                }
                text.append(UInt8(ascii: "\n"))
            }
        }
        return text.finish()
    }

    @inline(__always)
    private static func append(_ value: Value, to text: inout CopyText) {
        switch value {
        case .null:
            text.append(UInt8(ascii: "\\"))
            text.append(UInt8(ascii: "N"))
        case .integer(let number):
            text.appendInteger(number)
        case .real(let number):
            // Swift prints the shortest text that reads back as the same
            // double; PostgreSQL reads `inf`, `-inf` and `nan` too.
            var printed = number.description
            printed.withUTF8 { text.append(contentsOf: $0) }
        case .text(var string):
            string.withUTF8 { appendEscaped($0, to: &text) }
        }
    }

    @inline(__always)
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to text: inout CopyText) {
        // Most values need no escape: write them whole.
        guard bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
            text.append(contentsOf: bytes)
            return
        }
        text.reserve(bytes.count * 4)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): text.appendUnchecked(UInt8(ascii: "\\"), UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"): text.appendUnchecked(UInt8(ascii: "\\"), UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): text.appendUnchecked(UInt8(ascii: "\\"), UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): text.appendUnchecked(UInt8(ascii: "\\"), UInt8(ascii: "r"))
            // PostgreSQL's text cannot hold NUL; the row is refused by the server if it gets there.
            case 0:
                text.appendUnchecked(UInt8(ascii: "\\"), UInt8(ascii: "x"))
                text.appendUnchecked(UInt8(ascii: "0"), UInt8(ascii: "0"))
            default: text.appendUnchecked(byte)
            }
        }
    }
}

/// A growing run of bytes in memory of its own. `reserve` makes room; the
/// `Unchecked` writes then go straight in. One owner, never copied.
struct CopyText: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// Makes room for `bytes` more.
    @inline(__always)
    mutating func reserve(_ bytes: Int) {
        guard count + bytes > capacity else { return }
        let grown = max(capacity * 2, count + bytes)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = grown
    }

    @inline(__always)
    mutating func appendUnchecked(_ byte: UInt8) {
        start[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func appendUnchecked(_ first: UInt8, _ second: UInt8) {
        start[count] = first
        start[count + 1] = second
        count += 2
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        appendUnchecked(byte)
    }

    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (start + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    /// Decimal digits, without the standard library's general formatting.
    @inline(__always)
    mutating func appendInteger(_ value: Int64) {
        reserve(21)
        if value < 0 { appendUnchecked(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && magnitude >= scale {
            digits += 1
            scale = scale &* 10
        }
        var position = count + digits
        count = position
        repeat {
            position -= 1
            start[position] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
            magnitude /= 10
        } while magnitude > 0
    }

    /// `value` in network byte order; the caller reserved the room.
    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { raw in
            UnsafeMutableRawPointer(start + count).copyMemory(from: raw.baseAddress!, byteCount: MemoryLayout<T>.size)
        }
        count += MemoryLayout<T>.size
    }

    /// The bytes written, in the buffer the connection sends; the memory goes with the value.
    consuming func finish() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        buffer.writeBytes(UnsafeRawBufferPointer(start: start, count: count))
        return buffer
    }
}

/// COPY text made on the mapping threads (see `BatchEncoder`), for the
/// rows a streamed COPY appends, or a chunk's rows with their lines.
struct PostgresCopyBatchEncoder: BatchEncoder {
    var withLine = false

    func encode(_ batch: MappedBatch) -> (any EncodedRows)? {
        PostgresCopyEncoder.encode(0..<batch.rowCount, of: batch, withLine: withLine)
    }
}

/// COPY data made on a mapping thread travels in the buffer it is sent in.
extension ByteBuffer: EncodedRows {}

extension MappedBatch {
    /// The COPY data this driver's encoder made for the batch, if any.
    var copyRows: ByteBuffer? { encoded as? ByteBuffer }
}
