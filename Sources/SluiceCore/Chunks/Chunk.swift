import Foundation

/// One part of a chunked job: a byte range of the stored input (or a bucket
/// file, for the hash strategy), run by whichever worker holds its lease.
///
/// Chunks share `JobStatus`: a worker claims a `queued` chunk (→ `running`)
/// under a lease and moves it to `succeeded` or `failed`; any worker may
/// take over a `running` chunk whose lease has expired (its rescue count
/// goes up); a worker that stops politely hands its chunk back (→ `queued`);
/// cancelling the job moves its unfinished chunks to `cancelled`.
public struct Chunk: Sendable, Equatable {
    public var id: Int64
    public var jobID: Int64
    public var index: Int
    public var range: ByteRange?
    public var bucketPath: String?
    public var status: JobStatus
    public var attempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var heartbeatAt: Date?
    public var counts: ImportCounts
    /// How many times a worker took the chunk over from one whose lease expired.
    public var rescueCount: Int
    public var error: String?

    public init(id: Int64, jobID: Int64, index: Int, range: ByteRange? = nil, bucketPath: String? = nil,
                status: JobStatus = .queued, attempts: Int = 0, leaseOwner: String? = nil, leaseExpiresAt: Date? = nil,
                heartbeatAt: Date? = nil, counts: ImportCounts = ImportCounts(), rescueCount: Int = 0, error: String? = nil) {
        self.id = id
        self.jobID = jobID
        self.index = index
        self.range = range
        self.bucketPath = bucketPath
        self.status = status
        self.attempts = attempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.heartbeatAt = heartbeatAt
        self.counts = counts
        self.rescueCount = rescueCount
        self.error = error
    }
}

/// What the planner records for each chunk.
public struct ChunkSpec: Sendable, Equatable {
    public var index: Int
    public var range: ByteRange?
    public var bucketPath: String?

    public init(index: Int, range: ByteRange? = nil, bucketPath: String? = nil) {
        self.index = index
        self.range = range
        self.bucketPath = bucketPath
    }
}

/// A worker asking for work: who it is, what time it is, how long a lease lasts.
public struct ChunkClaimParams: Sendable {
    public var owner: String
    public var now: Date
    public var lease: TimeInterval
    /// Only chunks of this job; nil for any running job's.
    public var jobID: Int64?

    public init(owner: String, now: Date, lease: TimeInterval, jobID: Int64? = nil) {
        self.owner = owner
        self.now = now
        self.lease = lease
        self.jobID = jobID
    }
}

/// How a worker ends its chunk.
public struct ChunkFinishParams: Sendable {
    public var id: Int64
    public var owner: String
    public var status: JobStatus
    public var counts: ImportCounts
    public var error: String?
    public var now: Date

    public init(id: Int64, owner: String, status: JobStatus, counts: ImportCounts, error: String? = nil, now: Date) {
        self.id = id
        self.owner = owner
        self.status = status
        self.counts = counts
        self.error = error
        self.now = now
    }
}

/// The chunks of chunked jobs, and the leases that keep two workers from
/// running one chunk. Every change is guarded by the status and the lease
/// owner it expects, and says whether it happened.
public protocol ChunkStore: Sendable {
    func chunkInsertMany(jobID: Int64, chunks: [ChunkSpec], now: Date) throws
    /// The next claimable chunk of a running job — queued, or running under
    /// an expired lease (a takeover) — now leased to `owner`; nil when none.
    func chunkClaim(_ params: ChunkClaimParams) throws -> Chunk?
    /// Extends the lease; false when `owner` no longer holds it.
    func chunkHeartbeat(id: Int64, owner: String, now: Date, lease: TimeInterval) throws -> Bool
    /// running → a final status; false when `owner` no longer holds the lease.
    func chunkFinish(_ params: ChunkFinishParams) throws -> Bool
    /// running → queued, lease dropped (a worker stopping on SIGTERM).
    func chunkRelease(id: Int64, owner: String) throws -> Bool
    func chunkList(jobID: Int64) throws -> [Chunk]
    /// Running chunks whose lease expired go back to the queue, each with
    /// one more rescue; returns how many. (A claim also takes over an
    /// expired chunk directly; this makes the rescue visible without one.)
    func chunkRescueExpired(now: Date) throws -> Int
}
