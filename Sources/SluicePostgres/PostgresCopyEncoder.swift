import NIOCore
import SluiceCore

/// Rows in PostgreSQL's text COPY format, the only one postgres-nio speaks:
/// fields separated by tabs, rows ended by a newline, NULL as `\N`, and a
/// backslash, tab, newline or carriage return inside a value escaped with a
/// backslash. (The CSV and binary formats are not available through it.)
enum PostgresCopyEncoder {
    /// Appends rows `rows` of `batch`, plus each row's input line as a last
    /// field when `withLine`.
    static func append<Rows: WritableRows>(_ rows: some Sequence<Int>, of batch: Rows, withLine: Bool, to buffer: inout ByteBuffer) {
        batch.values.withUnsafeBufferPointer { values in
            for row in rows {
                let base = row * batch.columnCount
                for column in 0..<batch.columnCount {
                    if column > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                    append(values[base + column], to: &buffer)
                }
                if withLine {
                    buffer.writeInteger(UInt8(ascii: "\t"))
                    buffer.writeString(String(batch.line(ofRow: row)))
                }
                buffer.writeInteger(UInt8(ascii: "\n"))
            }
        }
    }

    @inline(__always)
    static func append(_ value: Value, to buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeStaticString("\\N")
        case .integer(let number): buffer.writeString(String(number))
        case .real(let number):
            // Swift prints the shortest text that reads back as the same
            // double; PostgreSQL reads `inf`, `-inf` and `nan` too.
            buffer.writeString(number.description)
        case .text(let text): appendEscaped(text, to: &buffer)
        }
    }

    private static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        text.withUTF8 { bytes in
            // Most values need no escape: write them whole.
            guard bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                // PostgreSQL's text cannot hold NUL; the row is refused by the server if it gets there.
                case 0: buffer.writeStaticString("\\x00")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }
}

/// COPY text made on the mapping threads (see `BatchEncoder`), for the
/// rows a streamed COPY appends, or a chunk's rows with their lines.
struct PostgresCopyBatchEncoder: BatchEncoder {
    var withLine = false

    func encode(_ batch: MappedBatch) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: batch.rowCount * (batch.columnCount + (withLine ? 1 : 0)) * 12)
        PostgresCopyEncoder.append(0..<batch.rowCount, of: batch, withLine: withLine, to: &buffer)
        return Array(buffer.readableBytesView)
    }
}
