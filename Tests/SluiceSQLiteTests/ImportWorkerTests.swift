import Foundation
import Testing
import SluiceCore
import SluiceSQLite

@Suite("The import worker")
struct ImportWorkerTests {
    /// Queues `text` as a background import, as `sluice import --background` does.
    func enqueue(_ text: String, name: String, driver: SQLiteDriver, store: LocalBlobStore, table: String) throws -> Int64 {
        let request = ImportRequest(input: name, table: table)
        let job = try driver.jobs.jobCreate(JobCreateParams(source: name, profile: nil, table: table, mode: .append, bytes: 0,
                                                            now: Date(), request: try StoredImportRequest(request).json()))
        try store.put("job-\(job.id)/input", from: MemoryByteSource(text))
        try driver.jobs.jobSetStorage(id: job.id, key: "job-\(job.id)/input")
        return job.id
    }

    @Test("runOnce takes the oldest queued job, runs it, and finds nothing when the queue is empty")
    func runOnce() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let store = try LocalBlobStore(directory: scratch.path("storage"))
        let first = try enqueue("a\n1\n", name: "one.csv", driver: driver, store: store, table: "w")
        let second = try enqueue("a\n2\n3\n", name: "two.csv", driver: driver, store: store, table: "w")
        let worker = try ImportWorker(driver: driver, storage: store, configuration: .init())
        guard case .finished(let id, let outcome, let name)? = try worker.runOnce() else { Issue.record("no job run"); return }
        #expect(id == first && name == "one.csv" && outcome.counts.rowsImported == 1)
        guard case .finished(let next, _, _)? = try worker.runOnce() else { Issue.record("no second job"); return }
        #expect(next == second)
        #expect(try worker.runOnce() == nil)
        #expect(try driver.rows("SELECT group_concat(a) FROM w") == [["1,2,3"]])
    }

    @Test("a queued job that is not claimable yet (input not stored) is left alone")
    func unstoredJobWaits() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        _ = try driver.jobs.jobCreate(JobCreateParams(source: "x.csv", profile: nil, table: "x", mode: .append, bytes: 0,
                                                      now: Date(), request: "{}"))
        let worker = try ImportWorker(driver: driver, storage: try LocalBlobStore(directory: scratch.path("storage")), configuration: .init())
        #expect(try worker.runOnce() == nil)
    }

    @Test("a configuration it cannot run with is refused")
    func badConfiguration() throws {
        let scratch = try Scratch()
        var configuration = ImportWorker.Configuration()
        configuration.pollInterval = 0
        #expect(throws: WorkerConfigurationError.self) {
            try ImportWorker(driver: try scratch.driver(), storage: try LocalBlobStore(directory: scratch.path("s")), configuration: configuration)
        }
    }
}

extension ImportWorker.Result: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case let (.finished(a, _, _), .finished(b, _, _)): return a == b
        case let (.failedToStart(a, x), .failedToStart(b, y)): return a == b && x == y
        default: return false
        }
    }
}
