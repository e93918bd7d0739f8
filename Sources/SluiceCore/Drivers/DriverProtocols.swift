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
    /// running for the caller; nil when there is none.
    func jobClaimQueued(now: Date) throws -> Job?
    /// queued → cancelled; false when the job was not queued.
    func jobCancelQueued(id: Int64, now: Date) throws -> Bool
    /// failed or cancelled → queued again, its counts and errors cleared, for
    /// a background job whose input is stored; false otherwise.
    func jobRetry(id: Int64) throws -> Bool
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
public struct ExistingColumn: Sendable, Equatable {
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
    /// Makes everything visible at once, together with how the work ends (the
    /// job with its rejected rows, or one chunk), so that the record never
    /// disagrees with the data. `widened` gives, per plan column, a wider type
    /// some value needed.
    func commit(widened: [ColumnType?], finishing end: SessionEnd) throws
    /// Undoes everything since `begin`.
    func rollback()
}

/// What an import session's commit also records.
public enum SessionEnd {
    /// A whole import: the job's end (nil for a dry run) and its rejected rows.
    case job(JobFinishParams?, rejections: RejectionSpool?)
    /// One chunk of a chunked import, written to the job's stage.
    case chunk(ChunkFinishParams)
}

/// Moves a chunked job's stage into its target, in one transaction.
public struct PublishParams {
    public var jobID: Int64
    public var plan: ImportPlan
    public var widened: [ColumnType?]
    public var finish: JobFinishParams
    public var rejections: RejectionSpool

    public init(jobID: Int64, plan: ImportPlan, widened: [ColumnType?], finish: JobFinishParams, rejections: RejectionSpool) {
        self.jobID = jobID
        self.plan = plan
        self.widened = widened
        self.finish = finish
        self.rejections = rejections
    }
}

/// A database that Sluice can import into and keep its jobs in.
public protocol SluiceDriver: AnyObject {
    var jobs: any JobStore { get }
    var chunks: any ChunkStore { get }
    /// The columns of `table`, or nil when there is no such table.
    func existingColumns(of table: String) throws -> [ExistingColumn]?
    func makeImportSession() throws -> any ImportSession
    /// A session that writes one chunk of job `jobID` into the job's stage
    /// (created by the first chunk), not into the target.
    func makeStageSession(jobID: Int64) throws -> any ImportSession
    /// Publishes a chunked job: its stage becomes part of the target in the
    /// plan's mode, with the job's end and its rejected rows, all at once.
    func publish(_ params: PublishParams) throws
    /// Drops a job's stage, if it has one (after a failure or a cancel).
    func dropStage(jobID: Int64) throws
    /// Where the data lands, for messages (`sluice.db`, `postgres://host/db`, never a password).
    var targetDescription: String { get }
}
