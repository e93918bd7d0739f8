/// Reading a field as bytes, without making a `String`: the workers' fast
/// path. Numbers are parsed straight from these bytes; only text columns
/// (and errors) pay for a `String`.
extension FieldDecoder {
    /// The field's bytes after CSV unquoting, or nil for NULL. The bytes
    /// point into the arena or into `scratch`, and are valid until the next call.
    @inline(__always)
    func bytes(_ span: FieldSpan, in arena: UnsafeBufferPointer<UInt8>, scratch: ScratchBuffer) -> UnsafeBufferPointer<UInt8>? {
        let start = Int(span.start), end = Int(span.end)
        switch span.kind {
        case .null:
            return nil
        case .plain:
            return start == end ? nil : UnsafeBufferPointer(rebasing: arena[start..<end])
        case .text:
            return UnsafeBufferPointer(rebasing: arena[start..<end])
        case .quoted:
            let raw = UnsafeBufferPointer(rebasing: arena[start..<end])
            if raw.count == 2 && raw[1] == quote {
                return emptyQuotedIsNull ? nil : UnsafeBufferPointer(rebasing: raw[1..<1])
            }
            if raw.count >= 2 && raw[raw.count - 1] == quote {
                let inner = UnsafeBufferPointer(rebasing: raw[1..<(raw.count - 1)])
                if !inner.contains(quote) { return inner }
            }
            return scratch.unquote(raw, quote: quote)
        }
    }

    /// Text from bytes: ASCII (nearly every field) needs no validation; other
    /// bytes are checked, and nil means they are not valid UTF-8.
    @inline(__always)
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Eight bytes at a time: no byte has its high bit set.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        let count = bytes.count
        let raw = UnsafeRawPointer(base)
        while i + 8 <= count {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < count {
            if base[i] & 0x80 != 0 { return false }
            i += 1
        }
        return true
    }
}

/// A reusable buffer for fields that must be copied to be unquoted.
final class ScratchBuffer {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// Strips quoting as Python's `csv` does (see `FieldDecoder.decode`).
    func unquote(_ raw: UnsafeBufferPointer<UInt8>, quote: UInt8) -> UnsafeBufferPointer<UInt8> {
        if raw.count > capacity {
            storage.deallocate()
            capacity = raw.count * 2
            storage = .allocate(capacity: capacity)
        }
        var count = 0
        var i = 1
        var inQuotes = true
        while i < raw.count {
            let c = raw[i]
            if inQuotes && c == quote {
                if i + 1 < raw.count && raw[i + 1] == quote {
                    storage[count] = c; count += 1; i += 2
                } else {
                    inQuotes = false; i += 1
                }
                continue
            }
            storage[count] = c; count += 1; i += 1
        }
        return UnsafeBufferPointer(start: storage, count: count)
    }
}
