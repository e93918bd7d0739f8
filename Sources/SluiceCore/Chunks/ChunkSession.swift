import Foundation

/// Writes one chunk of a chunked job into the job's stage.
///
/// Several worker processes may share one database, so a chunk never holds
/// the database for long: each call is one short transaction, and each
/// transaction first checks that this worker still holds the chunk's lease
/// and that the job is still running. When either is no longer true the
/// call throws `ChunkStopped` and writes nothing.
public protocol ChunkSession: AnyObject {
    /// Creates the stage if this is the job's first chunk, and removes what
    /// an earlier attempt at this chunk wrote (rows and errors), so that a
    /// chunk taken over from a dead worker starts clean.
    func begin(plan: ImportPlan) throws
    /// Writes the batches' good rows to the stage, in one transaction.
    /// `tally` hears which rows the database refused and answers with every
    /// rejection of the batches and the chunk's counts so far; both are
    /// stored in the same transaction. Returns the rows rejected so far by
    /// the whole job.
    func write(_ batches: [MappedBatch], tally: (_ refused: [Rejection]) throws -> ChunkTally) throws -> Int
    /// For a chunk that writes only when it finishes (an aggregating one):
    /// records its counts so far, after the same checks as `write`. Returns
    /// the rows rejected so far by the whole job.
    func note(counts: ImportCounts) throws -> Int
    /// Marks the chunk succeeded with its counts and widened types, and
    /// writes an aggregating chunk's `groups`. When no other chunk of the
    /// job is left unfinished, the same transaction also publishes the
    /// stage into the target and ends the job as `publishing` says (which
    /// may throw, for example when the error ratio is exceeded, and then
    /// nothing of this call happens).
    func finish(counts: ImportCounts, widened: [ColumnType?], groups: ChunkGroups?,
                publishing: JobPublishing) throws -> ChunkFinished
    /// Encodes the chunk's batches on the mapping threads (see
    /// `ImportSession.batchEncoder`); nil when the session binds values itself.
    var batchEncoder: (any BatchEncoder)? { get }
}

extension ChunkSession {
    public var batchEncoder: (any BatchEncoder)? { nil }
}

/// How a chunk's finish ended.
public enum ChunkFinished: Equatable {
    /// Other chunks of the job are not finished yet.
    case waiting
    /// This was the job's last chunk: the job is published, without the
    /// staged rows the target refused (its own constraints), which became
    /// rejections in the input's order.
    case published(refused: [Rejection])
}

/// What the last chunk's finish needs to publish its job.
public struct JobPublishing {
    /// The job's end from its totals (which count the rows the target
    /// refused at the publish, `refused`); throws when they break the error
    /// budget, and then nothing is published.
    public var end: (_ totals: JobTotals, _ refused: [Rejection]) throws -> JobFinishParams
    /// The rejections of staged rows the target refused, built from their
    /// input records (the stage keeps only the rows' values and lines).
    public var rejections: (_ refusals: [StagedRowRefusal]) throws -> [Rejection]

    public init(end: @escaping (JobTotals, [Rejection]) throws -> JobFinishParams,
                rejections: @escaping ([StagedRowRefusal]) throws -> [Rejection]) {
        self.end = end
        self.rejections = rejections
    }
}

/// A staged row that the target refused at the publish: its input line and why.
public struct StagedRowRefusal: Sendable, Equatable {
    public var line: Int
    public var error: RowError

    public init(line: Int, error: RowError) {
        self.line = line
        self.error = error
    }
}

/// What an aggregating chunk writes in its finish transaction: its groups,
/// and its rejected rows, kept aside until then. Nothing of such a chunk
/// reaches the database before it finishes, so a worker taking it over has
/// nothing to clean up, though a bucket's rows are scattered over the file.
public struct ChunkGroups {
    public var rows: GroupedRows
    public var rejections: RejectionSpool

    public init(rows: GroupedRows, rejections: RejectionSpool) {
        self.rows = rows
        self.rejections = rejections
    }
}

/// What one batch of a chunk adds to the record.
public struct ChunkTally: Sendable {
    public var rejections: [Rejection]
    /// The chunk's counts including this batch.
    public var counts: ImportCounts

    public init(rejections: [Rejection], counts: ImportCounts) {
        self.rejections = rejections
        self.counts = counts
    }
}

/// A chunked job's totals over all its chunks, when the last one finishes.
public struct JobTotals: Sendable {
    public var counts: ImportCounts
    /// Per plan column, the widest type any chunk needed.
    public var widened: [ColumnType?]

    public init(counts: ImportCounts, widened: [ColumnType?]) {
        self.counts = counts
        self.widened = widened
    }
}

/// Why a chunk stopped without finishing: not an error of the chunk's own.
public enum ChunkStopped: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another worker took the chunk over (this one's lease had expired).
    case leaseLost(chunk: Int64)
    /// The job ended meanwhile: cancelled, or failed in another chunk.
    case jobEnded(job: Int64, status: JobStatus)

    public var description: String {
        switch self {
        case .leaseLost(let chunk): "chunk \(chunk) was taken over by another worker after its lease expired"
        case let .jobEnded(job, status): "job \(job) is \(status.rawValue); its chunks stop"
        }
    }
}

/// What a chunked job's planner saw, saved with the job so that every
/// chunk's worker builds exactly the plan the planner built.
public struct PlanBasis: Codable, Sendable, Equatable {
    /// The target's columns when the job was planned; nil when it did not exist.
    public var existing: [ExistingColumn]?
    public var strategy: ChunkStrategy

    public init(existing: [ExistingColumn]?, strategy: ChunkStrategy) {
        self.existing = existing
        self.strategy = strategy
    }

    public func json() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

    public static func from(json: String) throws -> PlanBasis { try JSONDecoder().decode(PlanBasis.self, from: Data(json.utf8)) }
}

/// How a job's input was cut into chunks.
public enum ChunkStrategy: String, Codable, Sendable {
    /// Byte ranges of the stored file, cut at record starts.
    case ranges
    /// One chunk that reads the whole input with its own reader (JSON, or
    /// a file whose bytes are not plain UTF-8).
    case whole
    /// Bucket files by the hash of the aggregate's key, one per chunk, so
    /// that every row of a group reaches the same chunk.
    case hash
}
