import Foundation

/// A compact binary form of `Rejection` for the spool: lengths then bytes.
/// Foundation's JSON coders cost more than the whole insert of the rows
/// they describe; this costs next to nothing.
enum RejectionCoding {
    static func append(_ rejection: Rejection, to data: inout Data) {
        appendInteger(Int64(rejection.line), to: &data)
        appendInteger(rejection.byteOffset, to: &data)
        appendString(rejection.original, to: &data)
        appendInteger(Int64(rejection.fields.count), to: &data)
        for field in rejection.fields { appendOptional(field, to: &data) }
        appendInteger(Int64(rejection.errors.count), to: &data)
        for error in rejection.errors {
            appendString(error.kind.rawValue, to: &data)
            appendOptional(error.column, to: &data)
            appendOptional(error.value, to: &data)
            appendString(error.message, to: &data)
        }
    }

    /// Reads one rejection at `offset`, advancing it; nil when the bytes end
    /// before the rejection does (the rest comes with the next read).
    static func read(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> Rejection? {
        var cursor = offset
        guard let line = integer(bytes, &cursor), let byteOffset = integer(bytes, &cursor),
              let original = string(bytes, &cursor), let fieldCount = integer(bytes, &cursor) else { return nil }
        var fields: [String?] = []
        for _ in 0..<fieldCount {
            guard let field = optional(bytes, &cursor) else { return nil }
            fields.append(field)
        }
        guard let errorCount = integer(bytes, &cursor) else { return nil }
        var errors: [RowError] = []
        for _ in 0..<errorCount {
            guard let kind = string(bytes, &cursor), let column = optional(bytes, &cursor),
                  let value = optional(bytes, &cursor), let message = string(bytes, &cursor) else { return nil }
            errors.append(RowError(kind: RowErrorKind(rawValue: kind) ?? .malformed, column: column, value: value, message: message))
        }
        offset = cursor
        return Rejection(line: Int(line), byteOffset: byteOffset, original: original, fields: fields, errors: errors)
    }

    private static func appendInteger(_ value: Int64, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func appendString(_ text: String, to data: inout Data) {
        appendInteger(Int64(text.utf8.count), to: &data)
        data.append(contentsOf: text.utf8)
    }

    /// A length of -1 is NULL.
    private static func appendOptional(_ text: String?, to data: inout Data) {
        if let text { appendString(text, to: &data) } else { appendInteger(-1, to: &data) }
    }

    private static func integer(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) -> Int64? {
        guard cursor + 8 <= bytes.count else { return nil }
        defer { cursor += 8 }
        return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: cursor, as: Int64.self))
    }

    private static func string(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) -> String? {
        guard let length = integer(bytes, &cursor), length >= 0, cursor + Int(length) <= bytes.count else { return nil }
        defer { cursor += Int(length) }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[cursor..<(cursor + Int(length))]), as: UTF8.self)
    }

    /// `.some(nil)` for NULL, nil when the bytes end.
    private static func optional(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) -> String?? {
        var peek = cursor
        guard let length = integer(bytes, &peek) else { return nil }
        if length == -1 { cursor = peek; return .some(nil) }
        guard let text = string(bytes, &cursor) else { return nil }
        return .some(text)
    }
}
