import Foundation
import Synchronization
import Testing
import SluiceCore
import SluiceTestSupport

/// Chunked imports (`--chunks`, workers) through the engine: the same test
/// bodies for every driver. Each compares with a one-pass import of the
/// same file into the same database.
@Suite("Chunked imports, on every driver")
struct ChunkedImportConformanceTests {
    typealias Files = ImportConformanceTests.Files

    /// Row count and sums over the plans columns, in SQL both databases speak.
    func checksum(_ driver: DriverUnderTest, _ table: String) throws -> [[String?]] {
        try driver.rows("""
            SELECT CAST(COUNT(*) AS TEXT), CAST(SUM(node_id) AS TEXT), CAST(SUM(start) AS TEXT),
                   CAST(CAST(ROUND(SUM(invoice_amount) * 100) AS BIGINT) AS TEXT), CAST(COUNT(note) AS TEXT),
                   CAST(SUM(LENGTH(note)) AS TEXT), CAST(COUNT(DISTINCT node_id * 10000000000 + start) AS TEXT)
            FROM \(table)
            """)
    }

    /// The repository's `profiles/plans.yaml`, which types every plans column.
    static func plansProfile() throws -> Profile {
        try ProfileLoader.load(path: ImportConformanceTests.repository.appendingPathComponent("profiles/plans.yaml").path)
    }

    func run(_ driver: DriverUnderTest, _ path: String, rejects: String? = nil,
             _ configure: (inout ImportRequest) -> Void = { _ in }) throws -> ImportOutcome {
        var request = ImportRequest(input: path, workers: 2)
        configure(&request)
        return try ImportEngine(driver: driver.driver).run(request, rejectsFile: rejects.map(RejectsFileWriter.init(path:)))
    }

    func errorLines(_ driver: DriverUnderTest, _ jobID: Int64?) throws -> [Int] {
        try driver.jobs.jobErrors(jobID: jobID ?? 0, limit: 100_000, offset: 0).map(\.line)
    }

    @Test("8 chunks, two at a time, give the same table, counts and rejects (lines, order, rejects file) as one pass", arguments: DriverKind.allCases)
    func sameAsOnePass(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        let file = try files.write("plans.csv", TestImports.plans(rows: 60_000))
        let profile = try Self.plansProfile()
        let rejects = (whole: files.url.appendingPathComponent("whole.csv").path, chunked: files.url.appendingPathComponent("chunked.csv").path)
        let whole = try run(driver, file, rejects: rejects.whole) {
            $0.profile = profile
            $0.table = "whole"
        }
        let chunked = try run(driver, file, rejects: rejects.chunked) {
            $0.profile = profile
            $0.table = "chunked"
            $0.chunks = 8
        }
        #expect(chunked.status == .succeeded, "\(chunked.failure ?? "")")
        #expect(chunked.counts == whole.counts && chunked.counts.rowsRejected > 0)
        #expect(try checksum(driver, "chunked") == checksum(driver, "whole"))
        let chunks = try driver.chunks.chunkList(jobID: try #require(chunked.jobID))
        #expect(chunks.count == 8 && chunks.allSatisfy { $0.status == .succeeded })
        #expect(Set(chunks.compactMap(\.leaseOwner)).count == 2, "two chunk threads took the chunks")
        #expect(try errorLines(driver, chunked.jobID) == errorLines(driver, whole.jobID))
        #expect(try String(contentsOfFile: rejects.chunked, encoding: .utf8) == String(contentsOfFile: rejects.whole, encoding: .utf8))
        #expect(try driver.driver.dropUnneededStages().isEmpty, "the publish dropped or renamed the stage")
    }

    @Test("a chunked upsert into an existing table, twice: the last row of a key in the file wins", arguments: DriverKind.allCases)
    func upsertTwice(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        var text = "id,v\n"
        for line in 0..<3_000 { text += "\(line % 1000),v\(line)\n" }
        let file = try files.write("u.csv", text)
        _ = try run(driver, try files.write("seed.csv", "id,v\n5000,seed\n")) { $0.table = "u" }
        for _ in 0..<2 {
            let outcome = try run(driver, file) {
                $0.mode = .upsert
                $0.key = ["id"]
                $0.chunks = 4
                $0.table = "u"
            }
            #expect(outcome.status == .succeeded, "\(outcome.failure ?? "")")
            #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT) FROM u") == [["1001"]])
            #expect(try driver.rows("SELECT v FROM u WHERE id IN (0, 999, 5000) ORDER BY id") == [["v2000"], ["v2999"], ["seed"]])
        }
    }

    @Test("a chunked upsert into a new table creates it with its key", arguments: DriverKind.allCases)
    func upsertNewTable(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        var text = "id,v\n"
        for line in 0..<2_000 { text += "\(line % 500),v\(line)\n" }
        let outcome = try run(driver, try files.write("n.csv", text)) {
            $0.mode = .upsert
            $0.key = ["id"]
            $0.chunks = 3
        }
        #expect(outcome.status == .succeeded, "\(outcome.failure ?? "")")
        #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT), MIN(v), MAX(v) FROM n") == [["500", "v1500", "v1999"]])
    }

    @Test("a chunked replace empties the existing table in the publish; a failed one leaves it as it was", arguments: DriverKind.allCases)
    func replace(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        _ = try run(driver, try files.write("r.csv", "id,name\n1,old\n2,old\n")) { $0.table = "r" }
        var text = "id,name\n"
        for line in 0..<3_000 { text += "\(line),new\n" }
        let replaced = try run(driver, try files.write("r2.csv", text)) {
            $0.table = "r"
            $0.mode = .replace
            $0.chunks = 3
        }
        #expect(replaced.status == .succeeded, "\(replaced.failure ?? "")")
        #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT), CAST(SUM(id) AS TEXT), MIN(name) FROM r") == [["3000", "4498500", "new"]])
        text += "x,bad\n"
        let failed = try run(driver, try files.write("r3.csv", text)) {
            $0.table = "r"
            $0.mode = .replace
            $0.chunks = 3
            $0.maxErrors = 0
        }
        #expect(failed.status == .failed)
        #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT) FROM r") == [["3000"]])
        #expect(try driver.driver.dropUnneededStages().isEmpty, "a failed foreground job's stage is gone")
    }

    @Test("a new table's column sniffed as integer takes a decimal in a later chunk: widened, nothing rejected", arguments: DriverKind.allCases)
    func widening(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        var text = "id,amount\n"
        for line in 0..<20_000 { text += line == 15_000 ? "\(line),12.75\n" : "\(line),\(line)\n" }
        let outcome = try run(driver, try files.write("w.csv", text)) {
            $0.sampleBytes = 4096
            $0.chunks = 4
        }
        #expect(outcome.status == .succeeded && outcome.counts.rowsImported == 20_000 && outcome.counts.rowsRejected == 0,
                "\(outcome.failure ?? "")")
        #expect(try driver.rows("SELECT CAST(CAST(amount * 4 AS BIGINT) AS TEXT) FROM w WHERE id = 15000") == [["51"]])
        let sum: Int = (0..<20_000).reduce(0, +) - 15_000
        let expected: [[String?]] = [["20000", String(sum * 100 + 1275)]]
        #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT), CAST(CAST(SUM(amount) * 100 AS BIGINT) AS TEXT) FROM w") == expected)
    }

    @Test("a budget exceeded in a later chunk fails the job: the target is untouched and the stage is gone", arguments: DriverKind.allCases)
    func budgetInLaterChunk(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        var text = "id\n"
        for line in 0..<4_000 { text += line > 3_500 && line % 2 == 0 ? "x\n" : "\(line)\n" }
        _ = try run(driver, try files.write("seed.csv", "id\n-1\n")) { $0.table = "b" }
        let outcome = try run(driver, try files.write("b.csv", text)) {
            $0.table = "b"
            $0.chunks = 4
            $0.maxErrors = 100
        }
        #expect(outcome.status == .failed)
        #expect(outcome.failure?.contains("error budget exceeded") == true, "\(outcome.failure ?? "")")
        #expect(try driver.rows("SELECT CAST(id AS TEXT) FROM b") == [["-1"]])
        #expect(try driver.jobs.jobGet(id: try #require(outcome.jobID))?.status == .failed)
        #expect(try driver.driver.dropUnneededStages().isEmpty)
    }

    @Test("rows the table's UNIQUE, CHECK and foreign key refuse at the publish are rejects, the same as in one pass",
          arguments: DriverKind.allCases)
    func refusedAtPublish(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        try driver.execute("CREATE TABLE regions (code TEXT PRIMARY KEY)")
        try driver.execute("INSERT INTO regions VALUES ('eu')")
        for table in ["whole", "chunked"] {
            try driver.execute("CREATE TABLE \(table) (id BIGINT UNIQUE, qty BIGINT CHECK (qty >= 0), region TEXT REFERENCES regions (code))")
            try driver.execute("INSERT INTO \(table) VALUES (3999, 1, 'eu')")
        }
        // Refused: a negative qty, a region with no parent, a key the table has, and a key a line before took.
        var text = "id,qty,region\n"
        for row in 0..<4_000 {
            let id = row == 3_000 ? 100 : row
            text += "\(id),\(row == 1_500 ? -1 : row),\(row == 2_500 ? "\"x\nx\"" : "eu")\n"
        }
        let file = try files.write("t.csv", text)
        let rejects = (whole: files.url.appendingPathComponent("whole.csv").path, chunked: files.url.appendingPathComponent("chunked.csv").path)
        let whole = try ImportEngine(driver: driver.driver).run(ImportRequest(input: file, table: "whole", workers: 2),
                                                               rejectsFile: RejectsFileWriter(path: rejects.whole))
        var request = ImportRequest(input: file, table: "chunked", workers: 2)
        request.chunks = 4
        let chunked = try ImportEngine(driver: driver.driver).run(request, rejectsFile: RejectsFileWriter(path: rejects.chunked))
        #expect(chunked.status == .succeeded, "\(chunked.failure ?? "")")
        #expect(chunked.counts == whole.counts)
        #expect(chunked.counts.rowsImported == 3_996 && chunked.counts.rowsRejected == 4)
        let lines = { (id: Int64?) throws in try driver.jobs.jobErrors(jobID: id ?? 0, limit: 10, offset: 0).map(\.line) }
        #expect(try lines(chunked.jobID) == [1_502, 2_502, 3_003, 4_002])
        #expect(try lines(chunked.jobID) == lines(whole.jobID))
        let errors = try driver.jobs.jobErrors(jobID: try #require(chunked.jobID), limit: 10, offset: 0)
        #expect(errors.allSatisfy { $0.kind == .constraint })
        #expect(errors[0].message.lowercased().contains("check"), "\(errors)")
        #expect(errors[1].message.lowercased().contains("foreign key"), "\(errors)")
        #expect(errors[1].original == "2500,2500,\"x\nx\"", "a record over two lines comes back whole")
        #expect(errors[2].message.lowercased().contains("unique") && errors[2].original == "100,3000,eu", "\(errors)")
        let rejected = (chunked: try String(contentsOfFile: rejects.chunked, encoding: .utf8), whole: try String(contentsOfFile: rejects.whole, encoding: .utf8))
        // The same rows, text and reasons; the server names each table's own constraint.
        #expect(rejected.chunked.replacingOccurrences(of: "chunked", with: "whole") == rejected.whole,
                "\(rejected.chunked)\n---\n\(rejected.whole)")
        #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT), CAST(SUM(id) AS TEXT) FROM chunked")
                == driver.rows("SELECT CAST(COUNT(*) AS TEXT), CAST(SUM(id) AS TEXT) FROM whole"))
    }

    // MARK: Workers

    func enqueue(_ text: String, driver: DriverUnderTest, store: LocalBlobStore, table: String,
                 configure: (inout ImportRequest) -> Void = { _ in }) throws -> Int64 {
        try TestImports.enqueue(text, name: "\(table).csv", jobs: driver.jobs, store: store, table: table, configure: configure)
    }

    func drain(_ worker: ImportWorker) throws -> [WorkerEvent] {
        var events: [WorkerEvent] = []
        while let event = try worker.runOnce() { events.append(event) }
        return events
    }

    @Test("a chunk whose stored range is damaged fails, is tried again, and imports nothing: the job fails with the store's message", arguments: DriverKind.allCases)
    func damagedStoredInput(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        // Over 4 MiB: PostgreSQL stores several parts, and only the second chunk's range reaches the last one.
        let text = TestImports.plans(rows: 120_000)
        let database = try driver.driver.blobStore()
        let store = database ?? LocalBlobStore(directory: files.url.appendingPathComponent("storage").path)
        let id = try TestImports.enqueue(text, name: "plans.csv", jobs: driver.jobs, store: store, inDatabase: database != nil,
                                         table: "t") { $0.chunks = 2 }
        var configuration = ImportWorker.Configuration()
        configuration.maxAttempts = 2
        let worker = try ImportWorker(driver: driver.driver, storage: LocalBlobStore(directory: files.url.appendingPathComponent("storage").path),
                                      configuration: configuration)
        #expect(try worker.runOnce() == .planned(jobID: id, chunks: 2))
        let ranges = try driver.chunks.chunkList(jobID: id).compactMap(\.range)
        #expect(ranges.count == 2 && ranges[0].end < 4 << 20 && ranges[1].end > 4 << 20, "\(ranges)")
        let message: String
        if database != nil {
            let last = try driver.rows("SELECT CAST(max(part) AS TEXT) FROM sluice.blob_parts WHERE key = 'job-\(id)/input'")[0][0] ?? ""
            try driver.execute("UPDATE sluice.blob_parts SET data = overlay(data PLACING '\\x00'::bytea FROM 100) WHERE key = 'job-\(id)/input' AND part = \(last)")
            message = "stored file job-\(id)/input: part \(last) does not match its SHA-256: it is damaged"
        } else {
            // The stored file loses its last 10 bytes.
            let handle = try FileHandle(forWritingTo: files.url.appendingPathComponent("storage/job-\(id)/input"))
            try handle.truncate(atOffset: UInt64(text.utf8.count - 10))
            try handle.close()
            message = "stored file job-\(id)/input: bytes \(ranges[1].start)..<\(ranges[1].end) are beyond its \(ranges[1].end - 10) bytes"
        }
        let events = try drain(worker)
        #expect(events == [
            .chunkDone(jobID: id, chunk: 0, counts: events.first.flatMap { if case let .chunkDone(_, _, counts) = $0 { counts } else { nil } } ?? ImportCounts()),
            .chunkRetrying(jobID: id, chunk: 1, reason: message, attempt: 1),
            .jobFailed(jobID: id, reason: "chunk 2 failed: \(message)"),
        ], "\(events)")
        #expect(try driver.jobs.jobGet(id: id)?.status == .failed)
        #expect(try driver.jobs.jobGet(id: id)?.error?.contains(message) == true)
        #expect(try driver.driver.existingColumns(of: "t") == nil, "nothing was published")
    }

    @Test("an aggregating job's bucket files go into the store of its input (the database's on PostgreSQL); cleanup deletes them with the job", arguments: DriverKind.allCases)
    func bucketsBesideStoredInput(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        let text = TestImports.plans(rows: 20_000)
        let profile = try ProfileLoader.load(path: ImportConformanceTests.repository.appendingPathComponent("profiles/plans-by-node.yaml").path)
        let local = LocalBlobStore(directory: files.url.appendingPathComponent("storage").path)
        let database = try driver.driver.blobStore()
        let store = database ?? local
        let id = try TestImports.enqueue(text, name: "plans.csv", jobs: driver.jobs, store: store, inDatabase: database != nil,
                                         table: "usage") {
            $0.profile = profile
            $0.chunks = 3
        }
        let once = try run(driver, try files.write("plans.csv", text)) {
            $0.profile = profile
            $0.table = "once"
        }
        #expect(once.status == .succeeded)
        let worker = try ImportWorker(driver: driver.driver, storage: local, configuration: .init())
        #expect(try worker.runOnce() == .planned(jobID: id, chunks: 3))
        let buckets = (0..<3).flatMap { [BucketFile.names(index: $0).data, BucketFile.names(index: $0).lineMap] }
        #expect(try store.list(prefix: "job-\(id)/") == buckets.map { "job-\(id)/buckets/\($0)" } + ["job-\(id)/input"])
        _ = try drain(worker)
        #expect(try driver.jobs.jobGet(id: id)?.status == .succeeded)
        let usage = "SELECT CAST(node_id AS TEXT), CAST(plans AS TEXT), CAST(invoiced AS TEXT), CAST(last_stop AS TEXT) FROM %@ ORDER BY node_id"
        #expect(try driver.rows(usage.replacingOccurrences(of: "%@", with: "usage")) == driver.rows(usage.replacingOccurrences(of: "%@", with: "once")))
        let cleaner = try JobCleaner(driver: driver.driver, stores: JobStorage(local: local, database: database).all,
                                     configuration: { var c = JobCleaner.Configuration(); c.retention = 0; return c }(),
                                     now: { Date().addingTimeInterval(1) })
        #expect(try cleaner.runOnce().storedFiles == 7)
        #expect(try store.list(prefix: "job-") == [])
    }

    @Test("an upsert whose first chunk is written last still publishes in the file's order: the last row of a key wins", arguments: DriverKind.allCases)
    func upsertPublishesInFileOrder(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        var text = "id,v\n"
        for line in 0..<4_000 { text += "\(line % 1_000),v\(line)\n" }
        let store = LocalBlobStore(directory: files.url.appendingPathComponent("storage").path)
        let id = try enqueue(text, driver: driver, store: store, table: "u") {
            $0.mode = .upsert
            $0.key = ["id"]
            $0.chunks = 4
        }
        let worker = try ImportWorker(driver: driver.driver, storage: store, configuration: .init())
        #expect(try worker.runOnce() == .planned(jobID: id, chunks: 4))
        // Another worker holds chunk 1 while this one runs chunks 2–4; then it lets go, and chunk 1 is staged last.
        let held = try #require(try driver.chunks.chunkClaim(ChunkClaimParams(owner: "holder", now: Date(), lease: 600, jobID: id)))
        #expect(held.index == 0)
        #expect(try drain(worker).count == 3)
        #expect(try driver.jobs.jobGet(id: id)?.status == .running)
        #expect(try driver.chunks.chunkRelease(id: held.id, owner: "holder"))
        guard case .published(id, _)? = try drain(worker).last else { Issue.record("job \(id) not published"); return }
        // `u.id`: PostgreSQL would sort by the output column, the text.
        let rows = try driver.rows("SELECT CAST(id AS TEXT), v FROM u ORDER BY u.id")
        #expect(rows == (0..<1_000).map { [String($0), "v\(3_000 + $0)"] })
    }

    @Test("a chunk handed back midway is run again from its start: no row twice, none lost", arguments: DriverKind.allCases)
    func handedBackMidway(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        let text = TestImports.plans(rows: 60_000)
        let store = LocalBlobStore(directory: files.url.appendingPathComponent("storage").path)
        let profile = try Self.plansProfile()
        let id = try enqueue(text, driver: driver, store: store, table: "again") {
            $0.chunks = 2
            $0.profile = profile
        }
        _ = try run(driver, try files.write("plans.csv", text)) {
            $0.table = "whole"
            $0.profile = profile
        }
        let stopOnce = Atomic<Bool>(true)
        var configuration = ImportWorker.Configuration()
        // After the first chunk's first transaction, the worker is told to stop: it hands the chunk back.
        configuration.faults = { index, _, counts in
            if index == 0 && counts.rowsRead > 0 && stopOnce.exchange(false, ordering: .relaxed) { throw CancellationError() }
        }
        let worker = try ImportWorker(driver: driver.driver, storage: store, configuration: configuration)
        let events = try drain(worker)
        #expect(events.contains(.chunkReleased(jobID: id, chunk: 0)), "\(events)")
        #expect(try driver.jobs.jobGet(id: id)?.status == .succeeded)
        #expect(try checksum(driver, "again") == checksum(driver, "whole"))
        #expect(try errorLines(driver, id) == errorLines(driver, 1 + id))
        #expect(try driver.chunks.chunkList(jobID: id).map(\.attempts) == [2, 1])
    }

    @Test("a job cancelled while its chunk runs: the chunk's next write stops, the stage is gone, the target untouched", arguments: DriverKind.allCases)
    func cancelledMidChunk(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        let store = LocalBlobStore(directory: files.url.appendingPathComponent("storage").path)
        _ = try run(driver, try files.write("seed.csv", "id,v\n-1,seed\n")) { $0.table = "t" }
        var text = "id,v\n"
        for id in 0..<60_000 { text += "\(id),v\(id)\n" }
        let id = try enqueue(text, driver: driver, store: store, table: "t") { $0.chunks = 2 }
        let cancelOnce = Atomic<Bool>(true)
        nonisolated(unsafe) let jobDriver = driver.driver  // used on this thread only, from the worker's fault hook
        var configuration = ImportWorker.Configuration()
        // Between the first chunk's first and second transactions, someone cancels the job.
        configuration.faults = { _, _, _ in
            if cancelOnce.exchange(false, ordering: .relaxed) { _ = try jobDriver.jobCancel(id: id, now: Date()) }
        }
        let worker = try ImportWorker(driver: driver.driver, storage: store, configuration: configuration)
        let events = try drain(worker)
        #expect(events.contains(.chunkStopped(jobID: id, chunk: 0, reason: "job \(id) is cancelled; its chunks stop")), "\(events)")
        #expect(try driver.jobs.jobGet(id: id)?.status == .cancelled)
        #expect(try driver.chunks.chunkList(jobID: id).allSatisfy { $0.status == .cancelled || $0.status == .succeeded })
        #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT), v FROM t GROUP BY v") == [["1", "seed"]])
        #expect(try driver.driver.dropUnneededStages().isEmpty, "the cancel dropped the stage")
    }

    @Test("a chunk that fails for good fails the job; retry runs only that chunk again and the result is exact", arguments: DriverKind.allCases)
    func failureThenRetry(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        let text = TestImports.plans(rows: 20_000)
        let store = LocalBlobStore(directory: files.url.appendingPathComponent("storage").path)
        let profile = try Self.plansProfile()
        let id = try enqueue(text, driver: driver, store: store, table: "retried") {
            $0.chunks = 4
            $0.profile = profile
        }
        _ = try run(driver, try files.write("plans.csv", text)) {
            $0.table = "whole"
            $0.profile = profile
        }
        let failOnce = Atomic<Bool>(true)
        var configuration = ImportWorker.Configuration()
        // Chunk 4 fails after it wrote its first rows and errors: the retry must not keep them twice.
        configuration.faults = { index, _, counts in
            if index == 3 && counts.rowsRead > 0 && failOnce.exchange(false, ordering: .relaxed) { throw ChunkTestFailure() }
        }
        let worker = try ImportWorker(driver: driver.driver, storage: store, configuration: configuration)
        #expect(try drain(worker).last == .jobFailed(jobID: id, reason: "chunk 4 failed: injected failure"))
        #expect(try driver.driver.existingColumns(of: "retried") == nil)
        #expect(try driver.jobs.jobRetry(id: id))
        _ = try drain(worker)
        #expect(try driver.jobs.jobGet(id: id)?.status == .succeeded)
        #expect(try checksum(driver, "retried") == checksum(driver, "whole"))
        #expect(try errorLines(driver, id) == errorLines(driver, 1 + id))
    }
}

/// A failure a test makes happen inside a chunk, not a passing one.
struct ChunkTestFailure: Error, CustomStringConvertible {
    var description: String { "injected failure" }
}
