/// The reader's window on the input: a growable byte buffer that is refilled
/// from a `ByteSource` and compacted so that a partly read record moves to
/// the front. Positions are indices into `bytes`; `offset(of:)` turns them
/// into offsets in the whole input.
struct ScanBuffer {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Start of the bytes not yet cut into records.
    var scanPosition = 0
    private(set) var dataEnd = 0
    var endOfInput = false
    /// Set when the scanner stopped inside a record and needs more bytes.
    var needsMoreData = false
    /// Offset in the input of `bytes[0]`.
    private var baseOffset: Int64 = 0
    private let storage: Storage

    /// `startOffset`: where in the input the first byte read will be.
    init(capacity: Int, startOffset: Int64 = 0) {
        baseOffset = startOffset
        storage = Storage(capacity: capacity)
        bytes = storage.pointer
        self.capacity = capacity
    }

    var unscanned: Int { dataEnd - scanPosition }
    var free: Int { capacity - dataEnd }

    func offset(of position: Int) -> Int64 { baseOffset + Int64(position) }

    /// Drops the bytes before `scanPosition`, moving the rest to the front.
    mutating func compact() {
        guard scanPosition > 0 else { return }
        let remaining = unscanned
        if remaining > 0 { bytes.update(from: bytes + scanPosition, count: remaining) }
        baseOffset += Int64(scanPosition)
        scanPosition = 0
        dataEnd = remaining
    }

    /// Doubles the capacity, for a record longer than the buffer.
    mutating func grow() {
        storage.grow(to: capacity * 2, keeping: dataEnd)
        bytes = storage.pointer
        capacity *= 2
    }

    /// Reads as much as fits; returns the number of bytes read (0 at end of input).
    mutating func fill(from source: any ByteSource) throws -> Int {
        let count = try source.read(into: UnsafeMutableRawBufferPointer(start: bytes + dataEnd, count: free))
        dataEnd += count
        return count
    }

    /// Owns the memory, so that a copied `ScanBuffer` never frees it twice.
    private final class Storage {
        var pointer: UnsafeMutablePointer<UInt8>
        init(capacity: Int) { pointer = .allocate(capacity: capacity) }
        func grow(to newCapacity: Int, keeping count: Int) {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            bigger.update(from: pointer, count: count)
            pointer.deallocate()
            pointer = bigger
        }
        deinit { pointer.deallocate() }
    }
}

/// Collects the records of one batch while they are scanned, with positions
/// in the scan buffer; `makeBatch` copies their bytes into the batch's arena.
struct BatchBuilder {
    var fields: [FieldSpan] = []
    var records: [RecordInfo] = []
    private var base = -1
    private var end = 0

    var arenaBytes: Int { base < 0 ? 0 : end - base }

    /// A builder with room for `records` records of `fields` fields in
    /// all (the last batch's), so its tables do not grow step by step.
    init(records: Int = 0, fields: Int = 0) {
        self.records.reserveCapacity(records)
        self.fields.reserveCapacity(fields)
    }

    mutating func appendField(start: Int, end: Int, kind: FieldSpan.Kind, buffer: ScanBuffer) {
        fields.append(FieldSpan(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end), kind: kind))
    }

    mutating func appendRecord(line: Int, rawStart: Int, rawEnd: Int, firstField: Int, buffer: ScanBuffer) {
        if base < 0 { base = rawStart }
        end = rawEnd
        records.append(RecordInfo(line: line, byteOffset: buffer.offset(of: rawStart),
                                  firstField: Int32(firstField), fieldCount: Int32(fields.count - firstField),
                                  rawStart: Int32(rawStart), rawEnd: Int32(rawEnd)))
    }

    /// Copies the batch's bytes out of the buffer and rebases every span on the copy.
    mutating func makeBatch(from buffer: ScanBuffer, sequence: Int, bytesConsumed: Int64) -> RecordBatch {
        let shift = Int32(base)
        let arena = Array(UnsafeBufferPointer(start: buffer.bytes + base, count: end - base))
        for index in fields.indices {
            fields[index].start -= shift
            fields[index].end -= shift
        }
        for index in records.indices {
            records[index].rawStart -= shift
            records[index].rawEnd -= shift
        }
        return RecordBatch(sequence: sequence, arena: arena, fields: fields, records: records, bytesConsumed: bytesConsumed)
    }
}
