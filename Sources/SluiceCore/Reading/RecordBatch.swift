/// A run of consecutive records, as read from the input and not yet typed.
///
/// The reader thread fills a batch with raw bytes and field boundaries only;
/// the worker threads turn fields into values. Keeping a batch as one byte
/// arena plus offset tables (instead of a `String` per field) keeps
/// allocation off the reader's hot path.
public struct RecordBatch: Sendable {
    /// Position of this batch in the input (0, 1, 2, …), so that the writer
    /// can put the workers' results back in input order.
    public var sequence: Int
    /// The bytes that the spans below point into.
    public var arena: [UInt8]
    public var fields: [FieldSpan]
    public var records: [RecordInfo]
    /// Number of input bytes consumed when this batch was cut (for progress).
    public var bytesConsumed: Int64

    public init(sequence: Int = 0, arena: [UInt8] = [], fields: [FieldSpan] = [],
                records: [RecordInfo] = [], bytesConsumed: Int64 = 0) {
        self.sequence = sequence
        self.arena = arena
        self.fields = fields
        self.records = records
        self.bytesConsumed = bytesConsumed
    }

    public var count: Int { records.count }
}

/// Where one field's text lies in a batch's arena, and how to read it.
public struct FieldSpan: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        /// Bytes as they are; an empty plain field is NULL (CSV's empty unquoted field).
        case plain
        /// A CSV field that starts with the quote character: strip the quotes
        /// and collapse doubled quotes when decoding.
        case quoted
        /// Text that is exactly the bytes, never NULL (a JSON string, even empty).
        case text
        /// An explicit NULL (JSON `null`, or a key absent from an object).
        case null
    }

    public var start: Int32
    public var end: Int32
    public var kind: Kind

    public init(start: Int32, end: Int32, kind: Kind) {
        self.start = start
        self.end = end
        self.kind = kind
    }
}

/// One record of a batch: where it came from and which fields are its own.
public struct RecordInfo: Sendable, Equatable {
    /// The physical line (1-based) on which the record starts.
    public var line: Int
    /// Offset of the record's first byte in the (decoded) input.
    public var byteOffset: Int64
    /// Index of the record's first field in `RecordBatch.fields`.
    public var firstField: Int32
    public var fieldCount: Int32
    /// The record's original text in the arena, without its line terminator.
    public var rawStart: Int32
    public var rawEnd: Int32
    /// Set when the reader could not make fields of this record at all
    /// (for example a JSON line that is not an object).
    public var problem: ReadProblem?

    public init(line: Int, byteOffset: Int64, firstField: Int32, fieldCount: Int32,
                rawStart: Int32, rawEnd: Int32, problem: ReadProblem? = nil) {
        self.line = line
        self.byteOffset = byteOffset
        self.firstField = firstField
        self.fieldCount = fieldCount
        self.rawStart = rawStart
        self.rawEnd = rawEnd
        self.problem = problem
    }
}

/// Why a reader could not turn a record into fields.
public enum ReadProblem: Sendable, Equatable {
    /// The record is not well-formed (for example invalid JSON); the message says where.
    case malformed(String)
    /// An object carried keys that are not among the columns.
    case extraKeys([String])
}

/// Something that yields the records of one input in batches.
public protocol RecordReader: AnyObject {
    /// Column names from the input's header (CSV) or its sampled keys (JSON);
    /// nil when the input has no header.
    var header: [String]? { get }
    /// The next batch, or nil at the end of the input.
    func nextBatch() throws -> RecordBatch?
}
