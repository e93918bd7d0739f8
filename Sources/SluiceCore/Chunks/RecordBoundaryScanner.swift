import Foundation

/// Finds record starts in a delimited file without reading its fields: the
/// planner's fast pass (`RangePlanner`).
///
/// A cut must fall where a record starts, and a line break inside a quoted
/// field is not one, so the quote state must be known at every cut; it can
/// only be known by following the file from its start. The record reader
/// does that too, but it also builds every field and record, which made
/// planning cost a tenth of a whole import. This scanner follows only what
/// decides the quote state, with `memchr` between quotes, and counts line
/// ends with a loop the compiler vectorises.
///
/// Its rules are exactly the record reader's (`CSVRecordReader`): a quote
/// opens a quoted field only at the start of a field; inside one, a doubled
/// quote is a literal quote and a single quote closes it; LF, CRLF and a
/// lone CR end a record outside quotes; blank lines are skipped but counted.
struct RecordBoundaryScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let delimiter: UInt8
    private let quote: UInt8
    private static let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    /// Where the scan stands: outside quotes at `position`.
    private var position: Int
    /// The physical line of `countedTo`.
    private var line: Int
    private var countedTo: Int
    /// Set when a quoted field never closes: no record starts after it.
    private var unterminated = false

    /// `bytes` is the whole file; the scan begins at `dataStart`, the first
    /// data record (after any byte order mark and header), on `line`.
    init(bytes: UnsafeBufferPointer<UInt8>, dialect: CSVDialect, dataStart: Int, line: Int) {
        self.bytes = bytes
        delimiter = dialect.delimiter
        quote = dialect.quote
        position = dataStart
        countedTo = dataStart
        self.line = line
    }

    /// The first record start at or after `target` (and after the previous
    /// one found), with its line; nil when no record starts there.
    mutating func recordStart(atOrAfter target: Int) -> (offset: Int, line: Int)? {
        guard !unterminated else { return nil }
        advanceQuoteState(to: target)
        guard var start = nextRecordStart() else { return nil }
        // Blank lines are not records: the record starts after them.
        while start < bytes.count, bytes[start] == Self.lf || bytes[start] == Self.cr {
            start += bytes[start] == Self.cr && start + 1 < bytes.count && bytes[start + 1] == Self.lf ? 2 : 1
        }
        guard start < bytes.count else { return nil }
        position = start
        line += lineEnds(in: countedTo..<start)
        countedTo = start
        return (start, line)
    }

    /// Moves `position` to `target` or just past it, staying outside quotes:
    /// jumps from quote to quote, and over every quoted field met.
    private mutating func advanceQuoteState(to target: Int) {
        let base = bytes.baseAddress!
        while position < target {
            guard let found = memchr(base + position, Int32(quote), target - position) else {
                position = target
                return
            }
            let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if isFieldStart(at) {
                skipQuotedField(openingAt: at)
                if unterminated { return }
            } else {
                position = at + 1  // a literal quote inside unquoted text
            }
        }
    }

    /// From `position` (outside quotes), the offset just past the next record end.
    private mutating func nextRecordStart() -> Int? {
        // `position` may already be a record start: right after a line end.
        if position < bytes.count, position > 0 {
            let previous = bytes[position - 1]
            if previous == Self.lf || (previous == Self.cr && bytes[position] != Self.lf) { return position }
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == Self.lf { return position + 1 }
            if byte == Self.cr {
                return position + 1 < bytes.count && bytes[position + 1] == Self.lf ? position + 2 : position + 1
            }
            if byte == quote && isFieldStart(position) {
                skipQuotedField(openingAt: position)
                if unterminated { return nil }
            } else {
                position += 1
            }
        }
        return nil
    }

    /// Whether a quote at `offset` opens a field: it follows a delimiter, a
    /// line end, or nothing. (The byte before it is outside quotes: the scan
    /// stands outside quotes, and a closing quote is never followed by a quote.)
    private func isFieldStart(_ offset: Int) -> Bool {
        guard offset > 0 else { return true }
        let previous = bytes[offset - 1]
        return previous == delimiter || previous == Self.lf || previous == Self.cr
    }

    /// Moves `position` past the quoted field whose opening quote is at `opening`.
    private mutating func skipQuotedField(openingAt opening: Int) {
        let base = bytes.baseAddress!
        var at = opening + 1
        while at < bytes.count {
            guard let found = memchr(base + at, Int32(quote), bytes.count - at) else { break }
            let closing = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if closing + 1 < bytes.count && bytes[closing + 1] == quote {
                at = closing + 2  // a doubled quote: literal, still inside
                continue
            }
            position = closing + 1
            return
        }
        // The reader will report the unterminated field with its line.
        unterminated = true
        position = bytes.count
    }

    /// Line ends in `range`: every LF, and every CR not followed by LF (a
    /// CRLF counts once), wherever they are; line numbers are physical.
    /// `memchr` finds them (it scans many bytes per step); most files have
    /// no CR at all, and then one `memchr` says so.
    private func lineEnds(in range: Range<Int>) -> Int {
        var count = occurrences(of: Self.lf, in: range)
        guard memchr(bytes.baseAddress! + range.lowerBound, Int32(Self.cr), range.count) != nil else { return count }
        for offset in range where bytes[offset] == Self.cr && (offset + 1 == bytes.count || bytes[offset + 1] != Self.lf) {
            count += 1
        }
        return count
    }

    private func occurrences(of byte: UInt8, in range: Range<Int>) -> Int {
        let base = bytes.baseAddress!
        var count = 0, at = range.lowerBound
        while at < range.upperBound, let found = memchr(base + at, Int32(byte), range.upperBound - at) {
            count += 1
            at = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return count
    }
}
