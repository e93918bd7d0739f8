import Foundation
import Synchronization
import Testing
import SluiceCore
import SluiceSQLite
import SluiceTestSupport

@Suite("The import worker")
struct ImportWorkerTests {
    @discardableResult
    func enqueue(_ text: String, name: String, driver: SQLiteDriver, store: LocalBlobStore, table: String,
                 configure: (inout ImportRequest) -> Void = { _ in }) throws -> Int64 {
        try TestImports.enqueue(text, name: name, jobs: driver.jobs, store: store, table: table, configure: configure)
    }

    /// Runs `worker` until nothing is claimable; returns what it did.
    func drain(_ worker: ImportWorker) throws -> [WorkerEvent] {
        var events: [WorkerEvent] = []
        while let event = try worker.runOnce() { events.append(event) }
        return events
    }

    @Test("the planner takes the ranges the queuing process cut when they fit the stored input, and cuts its own when they do not")
    func rangeHints() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let text = TestImports.plans(rows: 3_000)
        let path = try scratch.write("plans.csv", text)
        var request = ImportRequest(input: path, table: "t")
        request.chunks = 2
        let hint = try #require(RangeHint.cut(for: request))
        let scanned = try RangePlanner.ranges(path: path, dialect: .csv, count: 2)
        #expect(hint.ranges == scanned)
        // Moved to another record start (where a cut into 3 falls): only a planner that took the hint cuts there.
        let third = try RangePlanner.ranges(path: path, dialect: .csv, count: 3)[1]
        var moved = hint
        moved.ranges = [ByteRange(start: scanned[0].start, end: third.start, firstLine: scanned[0].firstLine),
                        ByteRange(start: third.start, end: scanned[1].end, firstLine: third.firstLine)]
        var stale = hint
        stale.size += 1
        stale.ranges = moved.ranges
        let worker = try ImportWorker(driver: driver, storage: store, configuration: .init())
        for (table, given, expected) in [("moved", moved, moved.ranges), ("stale", stale, scanned)] {
            let id = try enqueue(text, name: "plans.csv", driver: driver, store: store, table: table) {
                $0.chunks = 2
                $0.rangeHint = given
            }
            #expect(try worker.runOnce() == .planned(jobID: id, chunks: 2))
            #expect(try driver.chunks.chunkList(jobID: id).compactMap(\.range) == expected, "\(table)")
            _ = try drain(worker)
            #expect(try driver.jobs.jobGet(id: id)?.rowsRead == 3_000)
        }
    }

    @Test("a worker plans the oldest queued job, runs its chunk, publishes it, then takes the next")
    func plansRunsAndPublishes() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let first = try enqueue("a\n1\n", name: "one.csv", driver: driver, store: store, table: "w")
        let second = try enqueue("a\n2\n3\n", name: "two.csv", driver: driver, store: store, table: "w")
        let worker = try ImportWorker(driver: driver, storage: store, configuration: .init())
        #expect(try worker.runOnce() == .planned(jobID: first, chunks: 1))
        #expect(try driver.jobs.jobGet(id: first)?.progress == 10)
        guard case .published(first, let summary)? = try worker.runOnce() else { Issue.record("job \(first) not published"); return }
        #expect(summary.contains("1 imported"))
        #expect(try drain(worker).count == 2)
        #expect(try worker.runOnce() == nil)
        #expect(try driver.rows("SELECT group_concat(a) FROM w") == [["1,2,3"]])
        #expect(try driver.jobs.jobGet(id: second)?.status == .succeeded)
        #expect(try driver.jobs.jobGet(id: second)?.progress == 100)
    }

    @Test("a queued job that is not claimable yet (input not stored) is left alone")
    func unstoredJobWaits() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        _ = try driver.jobs.jobCreate(JobCreateParams(source: "x.csv", profile: nil, table: "x", mode: .append, bytes: 0,
                                                      now: Date(), request: "{}"))
        let worker = try ImportWorker(driver: driver, storage: LocalBlobStore(directory: scratch.path("storage")), configuration: .init())
        #expect(try worker.runOnce() == nil)
    }

    @Test("a configuration it cannot run with is refused", arguments: ["poll 0", "lease not longer than heartbeat", "0 attempts"])
    func badConfiguration(problem: String) throws {
        let scratch = try Scratch()
        var configuration = ImportWorker.Configuration()
        switch problem {
        case "poll 0": configuration.pollInterval = 0
        case "0 attempts": configuration.maxAttempts = 0
        default: configuration.timing = LeaseTiming(lease: 5, heartbeat: 5)
        }
        #expect(throws: WorkerConfigurationError.self) {
            try ImportWorker(driver: try scratch.driver(), storage: LocalBlobStore(directory: scratch.path("s")), configuration: configuration)
        }
    }

    @Test("two workers on two connections share the chunks; the result is the one-pass table, progress goes 10 → 100")
    func twoWorkersOneTable() throws {
        let scratch = try Scratch()
        let text = TestImports.plans(rows: 40_000)
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let profile = try plansProfile()
        let id = try enqueue(text, name: "plans.csv", driver: driver, store: store, table: "chunked") {
            $0.profile = profile
            $0.chunks = 8
        }
        _ = try driver.importFile(try scratch.write("plans.csv", text)) {
            $0.profile = profile
            $0.table = "whole"
        }
        nonisolated(unsafe) let workers = try (1...2).map { index in
            var configuration = ImportWorker.Configuration()
            configuration.once = true
            configuration.owner = "worker-\(index)"
            return try ImportWorker(driver: try scratch.driver(), storage: store, configuration: configuration)
        }
        #expect(try workers[0].runOnce() == .planned(jobID: id, chunks: 8))
        let progress = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            try? workers[index].run(cancellation: CancellationFlag()) { _ in
                progress.withLock { $0.append((try? driver.jobs.jobGet(id: id)?.progress) ?? -1) }
            }
        }
        let job = try #require(try driver.jobs.jobGet(id: id))
        #expect(job.status == .succeeded && job.progress == 100)
        #expect(try tableChecksum(driver, "chunked") == tableChecksum(driver, "whole"))
        let owners = Set(try driver.chunks.chunkList(jobID: id).compactMap(\.leaseOwner))
        // Which worker ran which chunk is up to the scheduler; the process-level test shows two processes sharing.
        #expect(!owners.isEmpty && owners.isSubset(of: ["worker-1", "worker-2"]))
        let seen = progress.withLock { $0 }
        #expect(seen == seen.sorted() && seen.last == 100 && seen.contains { $0 > 10 && $0 < 100 }, "\(seen)")
        #expect(try driver.rows("SELECT count(*) FROM sluice_job_errors WHERE job_id = \(id)")
                == driver.rows("SELECT count(*) FROM sluice_job_errors WHERE job_id = 1 + \(id)"))
    }

    @Test("a chunk that fails for good fails the job; jobs retry runs only that chunk again and the result is exact")
    func injectedFailureThenRetry() throws {
        let scratch = try Scratch()
        let text = TestImports.plans(rows: 20_000)
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let id = try enqueue(text, name: "plans.csv", driver: driver, store: store, table: "retried") { $0.chunks = 4 }
        _ = try driver.importFile(try scratch.write("plans.csv", text)) { $0.table = "whole" }
        let ran = Mutex<[Int]>([])
        let failOnce = Atomic<Bool>(true)
        var configuration = ImportWorker.Configuration()
        configuration.faults = { index, _, _ in
            ran.withLock { if $0.last != index { $0.append(index) } }
            if index == 3 && failOnce.exchange(false, ordering: .relaxed) { throw InjectedFailure() }
        }
        let worker = try ImportWorker(driver: driver, storage: store, configuration: configuration)
        let events = try drain(worker)
        #expect(events.last == .jobFailed(jobID: id, reason: "chunk 4 failed: injected failure"))
        #expect(try driver.jobs.jobGet(id: id)?.status == .failed)
        #expect(try driver.existingColumns(of: "retried") == nil)
        #expect(try driver.chunks.chunkList(jobID: id).map(\.status) == [.succeeded, .succeeded, .succeeded, .failed])

        #expect(try driver.jobs.jobRetry(id: id))
        ran.withLock { $0 = [] }
        _ = try drain(worker)
        #expect(ran.withLock { $0 } == [3])
        #expect(try driver.jobs.jobGet(id: id)?.status == .succeeded)
        #expect(try tableChecksum(driver, "retried") == tableChecksum(driver, "whole"))
        #expect(try driver.chunks.chunkList(jobID: id).map(\.attempts) == [1, 1, 1, 1])
    }

    @Test("an aggregating job is planned into bucket files in its storage; a failed bucket, retried, gives every node once; cleanup removes it all")
    func hashJobRetryAndCleanup() throws {
        let scratch = try Scratch()
        let text = TestImports.plans(rows: 20_000)
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let profile = try nodeUsageProfile()
        let id = try enqueue(text, name: "plans.csv", driver: driver, store: store, table: "usage") {
            $0.profile = profile
            $0.chunks = 4
        }
        _ = try driver.importFile(try scratch.write("plans.csv", text)) {
            $0.profile = try? plansProfile()
            $0.table = "raw"
        }
        let failOnce = Atomic<Bool>(true)
        var configuration = ImportWorker.Configuration()
        configuration.faults = { index, _, _ in
            if index == 2 && failOnce.exchange(false, ordering: .relaxed) { throw InjectedFailure() }
        }
        let worker = try ImportWorker(driver: driver, storage: store, configuration: configuration)
        #expect(try drain(worker).last == .jobFailed(jobID: id, reason: "chunk 3 failed: injected failure"))
        let buckets = (0..<4).flatMap { [BucketFile.names(index: $0).data, BucketFile.names(index: $0).lineMap] }
        #expect(try store.list(prefix: "job-\(id)/") == buckets.map { "job-\(id)/buckets/\($0)" } + ["job-\(id)/input"])
        // The finished buckets' groups wait in the stage. The failed one left
        // none (an aggregating chunk writes only when it finishes); if it had,
        // its nodes would come out twice below.
        #expect(try driver.rows("SELECT count(*) FROM sluice_stage_\(id)")[0][0].flatMap(Int.init) ?? 0 > 0)
        #expect(try driver.jobs.jobRetry(id: id))
        _ = try drain(worker)
        #expect(try driver.jobs.jobGet(id: id)?.status == .succeeded)
        #expect(try nodeUsage(driver, "usage") == nodeUsageExpected(driver, raw: "raw"))

        let cleaner = try JobCleaner(driver: driver, stores: [store], configuration: { var c = JobCleaner.Configuration(); c.retention = 0; return c }(),
                                     now: { Date().addingTimeInterval(1) })
        #expect(try cleaner.runOnce().storedFiles == 9)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path) == [])
    }

    @Test("a chunk that fails for a passing reason is queued again and succeeds on its next attempt")
    func transientFailureRetries() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let id = try enqueue("a\n1\n2\n3\n", name: "t.csv", driver: driver, store: store, table: "t")
        var configuration = ImportWorker.Configuration()
        configuration.faults = { _, attempt, _ in if attempt == 1 { throw InjectedFailure(isTransient: true) } }
        let worker = try ImportWorker(driver: driver, storage: store, configuration: configuration)
        let events = try drain(worker)
        #expect(events.contains(.chunkRetrying(jobID: id, chunk: 0, reason: "injected failure", attempt: 1)))
        #expect(try driver.jobs.jobGet(id: id)?.status == .succeeded)
        #expect(try driver.chunks.chunkList(jobID: id).map(\.attempts) == [2])
        #expect(try driver.rows("SELECT group_concat(a) FROM t") == [["1,2,3"]])
    }

    @Test("a passing failure that never passes fails the job after --max-attempts")
    func transientFailureGivesUp() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let id = try enqueue("a\n1\n", name: "t.csv", driver: driver, store: store, table: "t")
        var configuration = ImportWorker.Configuration()
        configuration.maxAttempts = 3
        configuration.faults = { _, _, _ in throw InjectedFailure(isTransient: true) }
        let events = try drain(try ImportWorker(driver: driver, storage: store, configuration: configuration))
        #expect(events.filter { if case .chunkRetrying = $0 { true } else { false } }.count == 2)
        #expect(try driver.jobs.jobGet(id: id)?.status == .failed)
        #expect(try driver.chunks.chunkList(jobID: id).map(\.attempts) == [3])
    }

    @Test("a job with a profile error fails at planning, before any chunk")
    func planningFailure() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let store = LocalBlobStore(directory: scratch.path("storage"))
        let profile = try ProfileLoader.parse(yaml: "columns:\n  missing: {type: integer, required: true}\n", file: "p.yaml")
        let id = try enqueue("a\n1\n", name: "p.csv", driver: driver, store: store, table: "p") { $0.profile = profile }
        let worker = try ImportWorker(driver: driver, storage: store, configuration: .init())
        guard case .jobFailed(id, let reason)? = try worker.runOnce() else { Issue.record("the job did not fail"); return }
        #expect(reason.contains("missing"))
        #expect(try driver.chunks.chunkList(jobID: id).isEmpty)
    }
}

/// A failure a test makes happen inside a chunk.
struct InjectedFailure: Error, TransientError, CustomStringConvertible {
    var isTransient = false
    var description: String { "injected failure" }
}
