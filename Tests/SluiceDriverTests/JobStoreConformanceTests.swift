import Foundation
import Testing
import SluiceCore

/// The job store's contract, the same test bodies for every driver.
@Suite("Job store, on every driver")
struct JobStoreConformanceTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func params(_ source: String = "plans.csv", request: String? = nil) -> JobCreateParams {
        JobCreateParams(source: source, profile: "p.yaml", table: "plans", mode: .upsert, bytes: 1234, now: start, request: request)
    }

    @Test("a job goes queued → running → a final status, each step guarded by the status it expects", arguments: DriverKind.allCases)
    func lifecycle(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let jobs = driver.jobs
        let job = try jobs.jobCreate(params())
        #expect(job.status == .queued && job.source == "plans.csv" && job.mode == .upsert && job.bytes == 1234)
        let stored = try #require(try jobs.jobGet(id: job.id))
        #expect(stored.status == .queued && stored.profile == "p.yaml" && stored.table == "plans")
        #expect(abs(stored.createdAt.timeIntervalSince(start)) < 0.001)
        #expect(try jobs.jobMarkRunning(id: job.id, now: start.addingTimeInterval(1)))
        #expect(try !jobs.jobMarkRunning(id: job.id, now: start.addingTimeInterval(2)), "only a queued job starts")
        try jobs.jobSetProgress(id: job.id, progress: 42)
        #expect(try jobs.jobGet(id: job.id)?.progress == 42)
        let finish = JobFinishParams(id: job.id, status: .succeeded, counts: ImportCounts(rowsRead: 10, rowsImported: 9, rowsRejected: 1),
                                     summary: "succeeded: 10 read", now: start.addingTimeInterval(3))
        #expect(try jobs.jobFinish(finish))
        #expect(try !jobs.jobFinish(finish), "a finished job does not finish twice")
        let done = try #require(try jobs.jobGet(id: job.id))
        #expect(done.status == .succeeded && done.rowsRead == 10 && done.rowsImported == 9 && done.rowsRejected == 1)
        #expect(done.progress == 100 && done.summary == "succeeded: 10 read" && done.finishedAt != nil)
        #expect(try jobs.jobGet(id: job.id + 1000) == nil)
    }

    @Test("a queued job is claimable once its input is stored; its planning lease is renewed, released and rescued", arguments: DriverKind.allCases)
    func planningLease(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let jobs = driver.jobs
        let job = try jobs.jobCreate(params(request: "{}"))
        #expect(try jobs.jobClaimQueued(owner: "a", now: start, lease: 30) == nil, "no stored input yet")
        try jobs.jobSetStorage(id: job.id, key: "job-\(job.id)/input")
        let claimed = try #require(try jobs.jobClaimQueued(owner: "a", now: start, lease: 30))
        #expect(claimed.id == job.id && claimed.status == .running && claimed.storageKey == "job-\(job.id)/input")
        #expect(try jobs.jobClaimQueued(owner: "b", now: start, lease: 30) == nil, "one claim per job")
        #expect(try jobs.jobHeartbeat(id: job.id, owner: "a", now: start.addingTimeInterval(20), lease: 30))
        #expect(try !jobs.jobHeartbeat(id: job.id, owner: "b", now: start.addingTimeInterval(20), lease: 30))
        #expect(try jobs.jobRescueExpired(now: start.addingTimeInterval(45)) == 0, "renewed until 50 s")
        #expect(try jobs.jobRescueExpired(now: start.addingTimeInterval(51)) == 1)
        #expect(try jobs.jobGet(id: job.id)?.status == .queued)
        _ = try #require(try jobs.jobClaimQueued(owner: "b", now: start.addingTimeInterval(52), lease: 30))
        #expect(try !jobs.jobRelease(id: job.id, owner: "a"), "only the holder releases")
        #expect(try jobs.jobRelease(id: job.id, owner: "b"))
        #expect(try jobs.jobGet(id: job.id)?.status == .queued)
    }

    @Test("planning ends once, by the lease holder: progress 10 and the planner's basis", arguments: DriverKind.allCases)
    func planned(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let jobs = driver.jobs
        let job = try jobs.jobCreate(params(request: "{}"))
        try jobs.jobSetStorage(id: job.id, key: "k")
        _ = try #require(try jobs.jobClaimQueued(owner: "a", now: start, lease: 30))
        let chunks = (0..<3).map { ChunkSpec(index: $0, range: ByteRange(start: Int64($0 * 10), end: Int64($0 * 10 + 10), firstLine: $0 + 2)) }
        #expect(try !jobs.jobPlanned(id: job.id, owner: "b", basis: "{}", chunks: chunks, now: start))
        #expect(try jobs.jobPlanned(id: job.id, owner: "a", basis: "{\"strategy\":\"ranges\"}", chunks: chunks, now: start))
        let planned = try #require(try jobs.jobGet(id: job.id))
        #expect(planned.progress == 10 && planned.planBasis == "{\"strategy\":\"ranges\"}" && planned.status == .running)
        let stored = try driver.chunks.chunkList(jobID: job.id)
        #expect(stored.map(\.index) == [0, 1, 2] && stored.allSatisfy { $0.status == .queued })
        #expect(stored[2].range == ByteRange(start: 20, end: 30, firstLine: 4))
        #expect(try jobs.jobRescueExpired(now: start.addingTimeInterval(3600)) == 0, "a planned job's lease is dropped: its chunks carry their own")
    }

    @Test("rejected rows: one stored error per problem, read back in line order, page by page", arguments: DriverKind.allCases)
    func errors(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let jobs = driver.jobs
        let job = try jobs.jobCreate(params())
        let late = Rejection(line: 9, byteOffset: 90, original: "9,x,\0y", fields: ["9", "x", "\0y"],
                             errors: [RowError(kind: .cast, column: "b", value: "x", message: "'x' is not an integer"),
                                      RowError(kind: .rule, message: "c must not be empty")])
        let early = Rejection(line: 3, byteOffset: 30, original: "3", fields: ["3"], errors: [RowError(kind: .missingColumn, message: "missing column b")])
        try jobs.jobErrorsInsert(jobID: job.id, rejections: [late, early])
        let all = try jobs.jobErrors(jobID: job.id, limit: 10, offset: 0)
        #expect(all.map(\.line) == [3, 9, 9])
        #expect(all.map(\.kind) == [.missingColumn, .cast, .rule])
        #expect(all[1].column == "b" && all[1].value == "x" && all[1].byteOffset == 90 && all[1].message == "'x' is not an integer")
        #expect(all[1].original == "9,x,\u{2400}y", "a NUL byte is shown as ␀, and nothing after it is lost")
        #expect(try jobs.jobErrors(jobID: job.id, limit: 1, offset: 1).map(\.kind) == [.cast])
        // Text that COPY's format must escape comes back as it went in.
        let awkward = "\"a\tb\\N\r\nc\\\",\\."
        let quoted = try jobs.jobCreate(params())
        try jobs.jobErrorsInsert(jobID: quoted.id, rejections: [Rejection(line: 4, byteOffset: 0, original: awkward, fields: [],
                                                                          errors: [RowError(kind: .cast, column: "\\N", value: "\t", message: awkward)])])
        let stored = try #require(try jobs.jobErrors(jobID: quoted.id, limit: 1, offset: 0).first)
        #expect(stored.original == awkward && stored.message == awkward && stored.column == "\\N" && stored.value == "\t")
        let many = (0..<10_000).map { Rejection(line: $0 + 2, byteOffset: Int64($0), original: "r\($0)", fields: [], errors: [RowError(kind: .cast, message: "bad")]) }
        let other = try jobs.jobCreate(params())
        try jobs.jobErrorsInsert(jobID: other.id, rejections: many)
        #expect(try jobs.jobErrors(jobID: other.id, limit: 20_000, offset: 0).count == 10_000, "more rows than one statement's parameters")
    }

    @Test("jobs list newest first, by status; finished jobs older than a date are deleted with their errors", arguments: DriverKind.allCases)
    func listAndDelete(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let jobs = driver.jobs
        let ids = try (0..<3).map { _ in try jobs.jobCreate(params()).id }
        try jobs.jobMarkRunning(id: ids[0], now: start)
        try jobs.jobFinish(JobFinishParams(id: ids[0], status: .failed, counts: ImportCounts(), summary: "failed", error: "boom",
                                           now: start.addingTimeInterval(10)))
        try jobs.jobErrorsInsert(jobID: ids[0], rejections: [Rejection(line: 2, byteOffset: 0, original: "x", fields: [], errors: [RowError(kind: .cast, message: "bad")])])
        try jobs.jobMarkRunning(id: ids[1], now: start)
        #expect(try jobs.jobList(status: nil, limit: 10).map(\.id) == ids.reversed())
        #expect(try jobs.jobList(status: .running, limit: 10).map(\.id) == [ids[1]])
        #expect(try jobs.jobList(status: nil, limit: 2).count == 2)
        #expect(try jobs.jobGet(id: ids[0])?.error == "boom")
        #expect(try jobs.jobDeleteFinished(before: start.addingTimeInterval(5)) == [], "it finished after that date")
        #expect(try jobs.jobDeleteFinished(before: start.addingTimeInterval(60)) == [ids[0]], "queued and running jobs stay")
        #expect(try jobs.jobErrors(jobID: ids[0], limit: 10, offset: 0).isEmpty)
        #expect(try jobs.jobList(status: nil, limit: 10).map(\.id) == [ids[2], ids[1]])
    }

    @Test("a failed background job without chunks is queued again, its counts and errors cleared; others are not retried", arguments: DriverKind.allCases)
    func retry(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let jobs = driver.jobs
        let job = try jobs.jobCreate(params(request: "{}"))
        try jobs.jobSetStorage(id: job.id, key: "k")
        #expect(try !jobs.jobRetry(id: job.id), "a queued job is not retried")
        try jobs.jobMarkRunning(id: job.id, now: start)
        try jobs.jobErrorsInsert(jobID: job.id, rejections: [Rejection(line: 2, byteOffset: 0, original: "x", fields: [], errors: [RowError(kind: .cast, message: "bad")])])
        try jobs.jobFinish(JobFinishParams(id: job.id, status: .failed, counts: ImportCounts(rowsRead: 5, rowsRejected: 1),
                                           summary: "failed", error: "boom", now: start))
        #expect(try jobs.jobRetry(id: job.id))
        let again = try #require(try jobs.jobGet(id: job.id))
        #expect(again.status == .queued && again.rowsRead == 0 && again.error == nil && again.finishedAt == nil)
        #expect(try jobs.jobErrors(jobID: job.id, limit: 10, offset: 0).isEmpty)
        let foreground = try jobs.jobCreate(params())
        try jobs.jobMarkRunning(id: foreground.id, now: start)
        try jobs.jobFinish(JobFinishParams(id: foreground.id, status: .failed, counts: ImportCounts(), summary: "failed", now: start))
        #expect(try !jobs.jobRetry(id: foreground.id), "a foreground job has no stored input to run again")
    }
}
