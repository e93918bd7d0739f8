import Foundation

/// The control tables: jobs and the errors of their rows.
///
/// Operations are named entity first (`jobCreate`, `jobFinish`), River's
/// way. Every status change is guarded by the status it expects, and says
/// through its result whether it happened.
public protocol JobStore: Sendable {
    func jobCreate(_ params: JobCreateParams) throws -> Job
    /// queued → running; false when the job was not queued.
    @discardableResult func jobMarkRunning(id: Int64, now: Date) throws -> Bool
    /// Records where a background job's input is stored, which makes the job
    /// claimable; until then no worker takes it.
    func jobSetStorage(id: Int64, key: String) throws
    /// The oldest queued background job whose input is stored, moved to
    /// running and leased to `owner` for its planning; nil when there is none.
    func jobClaimQueued(owner: String, now: Date, lease: TimeInterval) throws -> Job?
    /// Extends the planning lease; false when `owner` no longer holds it.
    func jobHeartbeat(id: Int64, owner: String, now: Date, lease: TimeInterval) throws -> Bool
    /// Ends the planning of a running job, in one transaction: its chunks,
    /// what the planner saw, progress 10, and the planning lease dropped
    /// (chunks carry their own). `owner` is the lease's holder (nil for a
    /// foreground job, which has no lease); false when it no longer holds it.
    func jobPlanned(id: Int64, owner: String?, basis: String, chunks: [ChunkSpec], now: Date) throws -> Bool
    /// running → queued, lease dropped, for a job leased to `owner` (a
    /// worker stopping while it plans); false otherwise.
    func jobRelease(id: Int64, owner: String) throws -> Bool
    /// Running jobs whose planning lease expired (their planner died) go
    /// back to the queue; returns how many.
    func jobRescueExpired(now: Date) throws -> Int
    /// Brings a failed or cancelled background job back. A job without
    /// chunks is queued again, counts and errors cleared. A chunked job runs
    /// again (running) with only its chunks that did not succeed queued —
    /// or all of them when its stage is gone. False when the job cannot be
    /// retried (still running, succeeded, or not a background job).
    func jobRetry(id: Int64) throws -> Bool
    /// Sets a running job's progress (0–100).
    func jobSetProgress(id: Int64, progress: Int) throws
    /// running → a final status, with the final counts; false when the job was not running.
    @discardableResult func jobFinish(_ params: JobFinishParams) throws -> Bool
    func jobErrorsInsert(jobID: Int64, rejections: [Rejection]) throws
    func jobGet(id: Int64) throws -> Job?
    func jobList(status: JobStatus?, limit: Int) throws -> [Job]
    func jobErrors(jobID: Int64, limit: Int, offset: Int) throws -> [StoredRowError]
    /// Deletes jobs that ended before `date`, with their errors and chunks;
    /// returns their ids (so their stored files can go too). Jobs still
    /// queued or running are never deleted.
    func jobDeleteFinished(before date: Date) throws -> [Int64]
}

/// A column of a table that already exists in the target.
public struct ExistingColumn: Sendable, Equatable, Codable {
    public var name: String
    public var type: ColumnType
    public var notNull: Bool

    public init(name: String, type: ColumnType, notNull: Bool = false) {
        self.name = name
        self.type = type
        self.notNull = notNull
    }
}

/// Writes one import into the target, inside one transaction.
///
/// The engine calls `begin`, then `write` for each batch in input order, then
/// exactly one of `commit` or `rollback`. Until `commit`, nothing is visible.
public protocol ImportSession: AnyObject {
    /// Opens the transaction and prepares the table: creates it, adds
    /// columns (`--alter`), or wipes it (`replace`).
    func begin(plan: ImportPlan) throws
    /// Writes the good rows of a batch; returns the rows the database
    /// refused (constraints) as rejections.
    func write(_ batch: MappedBatch) throws -> [Rejection]
    /// Writes the groups of an aggregating import, after its last batch;
    /// returns the groups the database refused.
    func write(groups: GroupedRows) throws -> [Rejection]
    /// Writes whatever `write` still holds, after the last batch: a driver
    /// may send batches on before it knows what the database made of them
    /// (`write` then returns refusals of earlier batches). Returns the rows
    /// refused that no `write` returned.
    func finishWrites() throws -> [Rejection]
    /// Encodes batches for this session on the mapping threads; nil when the
    /// session binds values itself.
    var batchEncoder: (any BatchEncoder)? { get }
    /// Makes everything visible at once, together with the job's end (nil
    /// for a dry run) and its rejected rows, so that the record never
    /// disagrees with the data. `widened` gives, per plan column, a wider
    /// type some value needed.
    func commit(widened: [ColumnType?], finishing job: JobFinishParams?, rejections: RejectionSpool?) throws
    /// Undoes everything since `begin`.
    func rollback()
}

extension ImportSession {
    /// A session whose `write` answers for each batch at once holds nothing.
    public func finishWrites() throws -> [Rejection] { [] }

    public var batchEncoder: (any BatchEncoder)? { nil }
}

/// Turns a mapped batch's good rows into the bytes a database loads in bulk
/// (PostgreSQL's COPY). The pipeline calls it on the mapping threads, so
/// that the one writer thread only sends.
public protocol BatchEncoder: Sendable {
    /// nil when this batch cannot be encoded so; the session then writes it another way.
    func encode(_ batch: MappedBatch) -> (any EncodedRows)?
}

/// Rows as a driver's `BatchEncoder` made them, in the form its session
/// sends as it is (for PostgreSQL, NIO's `ByteBuffer`, so that the writer
/// thread copies nothing). Only that driver looks inside.
public protocol EncodedRows: Sendable {}

/// A database that Sluice can import into and keep its jobs in.
public protocol SluiceDriver: AnyObject {
    var jobs: any JobStore { get }
    var chunks: any ChunkStore { get }
    var locks: any LockService { get }
    /// The columns of `table`, or nil when there is no such table.
    func existingColumns(of table: String) throws -> [ExistingColumn]?
    func makeImportSession() throws -> any ImportSession
    /// A session that writes `chunk`, leased to `owner`, into its job's stage.
    func makeChunkSession(chunk: Chunk, owner: String) throws -> any ChunkSession
    /// Ends a chunked job as failed because of one chunk, in one transaction:
    /// the chunk failed with `error` (if `owner` still holds it), the job
    /// failed with its counts so far, its other unfinished chunks cancelled.
    /// The stage stays, so that `jobRetry` re-runs only what did not succeed.
    func chunkFailJob(chunk: Chunk, owner: String, error: String, now: Date) throws
    /// Cancels a queued or running job in one transaction: its unfinished
    /// chunks are cancelled and its stage dropped, so that running chunks
    /// stop at their next write. False when the job had already ended.
    func jobCancel(id: Int64, now: Date) throws -> Bool
    /// Drops the stages of jobs that no longer need them (succeeded,
    /// cancelled or deleted jobs); returns their job ids.
    func dropUnneededStages() throws -> [Int64]
    /// Where the data lands, for messages (`sluice.db`, `postgres://host/db`, never a password).
    var targetDescription: String { get }
    /// Wakes idle workers when work arrives; nil when the database cannot,
    /// and workers look at the queue every poll interval.
    var workSignal: (any WorkSignal)? { get }
    /// The database's own store for the files of background jobs, which
    /// every worker reaches through the database alone; nil when the
    /// database keeps no files (SQLite: the local `--storage` serves).
    /// Opened on first use.
    func blobStore() throws -> (any BlobStore)?
}

extension SluiceDriver {
    public var workSignal: (any WorkSignal)? { nil }
    public func blobStore() throws -> (any BlobStore)? { nil }
}

/// A database that tells idle workers the moment work arrives (PostgreSQL's
/// LISTEN/NOTIFY): a job became claimable, chunks were planned, released or
/// rescued. Polling stays the fallback, for a signal lost on the way.
public protocol WorkSignal: AnyObject {
    /// Returns when work may have arrived, when `seconds` have passed, or
    /// soon after `cancellation` is set.
    func waitForWork(seconds: TimeInterval, cancellation: CancellationFlag)
}
