import Foundation
import Testing
import SluiceCore

/// Chunks and their leases, the same test bodies for every driver.
@Suite("Chunk leases, on every driver")
struct ChunkStoreConformanceTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let lease: TimeInterval = 30

    /// A running background job (its input stored) with `count` chunks of 100 bytes each.
    func runningJob(_ driver: DriverUnderTest, chunks count: Int, status running: Bool = true) throws -> Int64 {
        let job = try driver.jobs.jobCreate(JobCreateParams(source: "big.csv", profile: nil, table: "t", mode: .append, bytes: 0, now: start))
        try driver.jobs.jobSetStorage(id: job.id, key: "job-\(job.id)/input")
        if running { try driver.jobs.jobMarkRunning(id: job.id, now: start) }
        try driver.chunks.chunkInsertMany(jobID: job.id, chunks: (0..<count).map {
            ChunkSpec(index: $0, range: ByteRange(start: Int64($0 * 100), end: Int64($0 * 100 + 100), firstLine: $0 * 10 + 2))
        }, now: start)
        return job.id
    }

    func claim(_ driver: DriverUnderTest, _ owner: String, at seconds: TimeInterval) throws -> Chunk? {
        try driver.chunks.chunkClaim(ChunkClaimParams(owner: owner, now: start.addingTimeInterval(seconds), lease: lease))
    }

    @Test("workers claim chunks in order, one each, until none is left", arguments: DriverKind.allCases)
    func claimsInOrder(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let job = try runningJob(driver, chunks: 2)
        let first = try #require(try claim(driver, "a", at: 0))
        #expect(first.index == 0 && first.leaseOwner == "a" && first.attempts == 1 && first.status == .running)
        #expect(first.range == ByteRange(start: 0, end: 100, firstLine: 2))
        #expect(try claim(driver, "b", at: 1)?.index == 1)
        #expect(try claim(driver, "c", at: 2) == nil)
        #expect(try driver.chunks.chunkList(jobID: job).map(\.leaseOwner) == ["a", "b"])
    }

    @Test("an expired lease is taken over and counted as a rescue; the old owner can no longer heartbeat or finish", arguments: DriverKind.allCases)
    func takeover(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        _ = try runningJob(driver, chunks: 1)
        let chunk = try #require(try claim(driver, "a", at: 0))
        #expect(try driver.chunks.chunkHeartbeat(id: chunk.id, owner: "a", now: start.addingTimeInterval(20), lease: lease))
        #expect(try claim(driver, "b", at: 45) == nil, "the heartbeat at 20 s holds the lease until 50 s")
        let rescued = try #require(try claim(driver, "b", at: 51))
        #expect(rescued.id == chunk.id && rescued.leaseOwner == "b" && rescued.rescueCount == 1 && rescued.attempts == 2)
        #expect(try !driver.chunks.chunkHeartbeat(id: chunk.id, owner: "a", now: start.addingTimeInterval(52), lease: lease))
        let late = ChunkFinishParams(id: chunk.id, owner: "a", status: .succeeded, counts: ImportCounts(rowsRead: 9), now: start.addingTimeInterval(53))
        #expect(try !driver.chunks.chunkFinish(late))
        var done = late
        done.owner = "b"
        #expect(try driver.chunks.chunkFinish(done))
        let finished = try #require(try driver.chunks.chunkList(jobID: chunk.jobID).first)
        #expect(finished.status == .succeeded && finished.counts.rowsRead == 9 && finished.rescueCount == 1)
        #expect(try claim(driver, "c", at: 1000) == nil, "a finished chunk is never claimed again")
    }

    @Test("a released chunk goes back to the queue without counting as a rescue", arguments: DriverKind.allCases)
    func release(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        _ = try runningJob(driver, chunks: 1)
        let chunk = try #require(try claim(driver, "a", at: 0))
        #expect(try !driver.chunks.chunkRelease(id: chunk.id, owner: "someone else"))
        #expect(try driver.chunks.chunkRelease(id: chunk.id, owner: "a"))
        let again = try #require(try claim(driver, "b", at: 1))
        #expect(again.id == chunk.id && again.rescueCount == 0 && again.attempts == 2)
    }

    @Test("the rescuer queues chunks whose lease expired, each with one more rescue", arguments: DriverKind.allCases)
    func rescue(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let job = try runningJob(driver, chunks: 3)
        _ = try #require(try claim(driver, "a", at: 0))
        _ = try #require(try claim(driver, "b", at: 20))
        #expect(try driver.chunks.chunkRescueExpired(now: start.addingTimeInterval(40)) == 1, "a's lease ran out at 30 s, b's runs to 50 s")
        let chunks = try driver.chunks.chunkList(jobID: job)
        #expect(chunks.map(\.status) == [.queued, .running, .queued] && chunks.map(\.rescueCount) == [1, 0, 0])
        #expect(chunks[0].leaseOwner == nil && chunks[1].leaseOwner == "b")
    }

    @Test("chunks of a job that is not running are not claimed", arguments: DriverKind.allCases)
    func onlyRunningJobs(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        _ = try runningJob(driver, chunks: 2, status: false)
        #expect(try claim(driver, "a", at: 0) == nil)
    }

    @Test("claimers on separate connections racing for 200 chunks lease each exactly once", arguments: DriverKind.allCases)
    func racingClaims(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        _ = try runningJob(driver, chunks: 200)
        let drivers = try (0..<4).map { _ in try driver.another() }
        let claimed = ClaimLog()
        let group = DispatchGroup()
        let start = self.start, lease = self.lease
        for (index, opened) in drivers.enumerated() {
            let owner = "worker-\(index)"
            let store = opened.chunks
            group.enter()
            Thread {
                while let chunk = try? store.chunkClaim(ChunkClaimParams(owner: owner, now: start, lease: lease)) {
                    claimed.add(chunk.index)
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(claimed.sorted == Array(0..<200))
    }
}

/// Chunk indexes claimed by racing threads.
final class ClaimLog: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var indexes: [Int] = []
    func add(_ index: Int) { lock.withLock { indexes.append(index) } }
    var sorted: [Int] { lock.withLock { indexes.sorted() } }
}
