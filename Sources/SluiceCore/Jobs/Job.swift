import Foundation

/// An import as the control tables record it.
public struct Job: Sendable, Equatable, Codable {
    public var id: Int64
    public var status: JobStatus
    /// The input as the user named it.
    public var source: String
    public var profile: String?
    public var table: String?
    public var mode: ImportMode
    public var rowsRead: Int
    public var rowsImported: Int
    public var rowsRejected: Int
    public var bytes: Int64
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// One line that says what happened, for lists.
    public var summary: String?
    /// Why the job failed, when it did.
    public var error: String?
    /// For a background job: the request as `StoredImportRequest` JSON.
    public var request: String?
    /// For a background job: where its input is kept in the blob store.
    public var storageKey: String?
    /// 0–100: 0–10 while planning, `10 + 89 × chunks done / chunks` while
    /// chunks run, 100 once published.
    public var progress: Int
    /// For a chunked job: what its planner saw (`PlanBasis` JSON), so that
    /// every chunk's worker builds the same plan.
    public var planBasis: String?

    public init(id: Int64, status: JobStatus, source: String, profile: String? = nil, table: String? = nil,
                mode: ImportMode = .append, rowsRead: Int = 0, rowsImported: Int = 0, rowsRejected: Int = 0,
                bytes: Int64 = 0, createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil,
                summary: String? = nil, error: String? = nil, request: String? = nil, storageKey: String? = nil,
                progress: Int = 0, planBasis: String? = nil) {
        self.id = id
        self.status = status
        self.source = source
        self.profile = profile
        self.table = table
        self.mode = mode
        self.rowsRead = rowsRead
        self.rowsImported = rowsImported
        self.rowsRejected = rowsRejected
        self.bytes = bytes
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.summary = summary
        self.error = error
        self.request = request
        self.storageKey = storageKey
        self.progress = progress
        self.planBasis = planBasis
    }
}

/// What a new job starts with.
public struct JobCreateParams: Sendable {
    public var source: String
    public var profile: String?
    public var table: String?
    public var mode: ImportMode
    public var bytes: Int64
    public var now: Date
    /// For a background job, the request a worker will run (JSON).
    public var request: String?

    public init(source: String, profile: String?, table: String?, mode: ImportMode, bytes: Int64, now: Date, request: String? = nil) {
        self.source = source
        self.profile = profile
        self.table = table
        self.mode = mode
        self.bytes = bytes
        self.now = now
        self.request = request
    }
}

/// How a running job ends.
public struct JobFinishParams: Sendable {
    public var id: Int64
    public var status: JobStatus
    public var counts: ImportCounts
    public var summary: String
    public var error: String?
    public var now: Date

    public init(id: Int64, status: JobStatus, counts: ImportCounts, summary: String, error: String? = nil, now: Date) {
        self.id = id
        self.status = status
        self.counts = counts
        self.summary = summary
        self.error = error
        self.now = now
    }
}

/// Rows and bytes so far.
public struct ImportCounts: Sendable, Equatable, Codable {
    public var rowsRead = 0
    public var rowsImported = 0
    public var rowsRejected = 0
    public var bytesRead: Int64 = 0

    public init(rowsRead: Int = 0, rowsImported: Int = 0, rowsRejected: Int = 0, bytesRead: Int64 = 0) {
        self.rowsRead = rowsRead
        self.rowsImported = rowsImported
        self.rowsRejected = rowsRejected
        self.bytesRead = bytesRead
    }
}

/// A rejected row's problem as stored in `sluice_job_errors`.
public struct StoredRowError: Sendable, Equatable, Codable {
    public var jobID: Int64
    public var line: Int
    public var byteOffset: Int64
    public var column: String?
    public var value: String?
    public var kind: RowErrorKind
    public var message: String
    public var original: String

    public init(jobID: Int64, line: Int, byteOffset: Int64, column: String?, value: String?,
                kind: RowErrorKind, message: String, original: String) {
        self.jobID = jobID
        self.line = line
        self.byteOffset = byteOffset
        self.column = column
        self.value = value
        self.kind = kind
        self.message = message
        self.original = original
    }
}
