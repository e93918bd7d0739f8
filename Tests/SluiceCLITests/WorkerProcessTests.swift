import Foundation
import Synchronization
import Testing

/// Worker processes sharing one SQLite file, killed, stopped and cancelled
/// mid-chunk. Every wait polls the database (or the worker's log) with a
/// deadline; nothing sleeps a fixed time.
@Suite("sluice worker processes")
struct WorkerProcessTests {
    /// `rows` plans-like records; every 7th note spans two lines, every 97th row breaks the rule in the profile.
    static func plans(rows: Int) -> String {
        var text = "node_id,start,stop,invoice_amount,note\n"
        text.reserveCapacity(rows * 60)
        for id in 1...rows {
            let start = 1_700_000_000 + id * 60
            let note = id % 7 == 0 ? "\"two\nlines, \"\"q\"\" \(id)\"" : "n\(id)"
            text += "\(id),\(start),\(id % 97 == 0 ? start - 5 : start + 3600),\(id % 100).25,\(note)\n"
        }
        return text
    }

    static let profile = """
        columns:
          node_id: {type: integer, required: true}
          start: {type: integer, required: true}
          stop: {type: integer, required: true}
          invoice_amount: {type: decimal}
          note: {type: text}
        rules:
          - name: order
            expr: "stop > start"
        """

    /// The same numbers for two tables that hold the same rows.
    func checksum(_ cli: CLI, _ table: String) throws -> String {
        try cli.sql("""
            SELECT count(*), count(DISTINCT node_id), sum(node_id), sum(start), total(invoice_amount), sum(length(note)),
                   sum((node_id * 7919 + start) % 1000003), sum(length(note) * node_id % 997)
            FROM "\(table)"
            """)
    }

    /// A file, its one-process import as `whole`, and the same file queued as job 2 with `chunks` chunks into `chunked`.
    func prepare(_ cli: CLI, rows: Int = 200_000, chunks: Int = 8) throws {
        let file = try cli.write("plans.csv", Self.plans(rows: rows))
        let profile = try cli.write("plans.yaml", Self.profile)
        let whole = try cli.run("import", file, "--profile", profile, "--table", "whole", "-q")
        #expect(whole.status == 3, "\(whole.stderr)")
        let queued = try cli.run("import", file, "--profile", profile, "--table", "chunked", "--background", "--chunks", String(chunks))
        #expect(queued.status == 0, "\(queued.stderr)")
    }

    /// Polls `query` until it prints `expected`, for at most `seconds`.
    @discardableResult
    func waitFor(_ cli: CLI, _ query: String, toBe expected: (String) -> Bool, seconds: TimeInterval = 120) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = (try? cli.sql(query)) ?? ""
            if expected(last) { return last }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Issue.record("waited \(seconds) s for \(query); last saw \(last)")
        return last
    }

    /// Waits until some chunk of job 2 is running and has written rows (but
    /// fewer than `readUnder`, so that it is surely still running); returns its id.
    func chunkInFlight(_ cli: CLI, readUnder limit: Int = .max) throws -> String {
        try waitFor(cli, "SELECT id FROM sluice_chunks WHERE job_id = 2 AND status = 'running' AND rows_read BETWEEN 1 AND \(limit) LIMIT 1") { !$0.isEmpty }
    }

    func stop(_ worker: Process, signal: Int32 = SIGTERM) -> Int32 {
        kill(worker.processIdentifier, signal)
        worker.waitUntilExit()
        return worker.terminationStatus
    }

    @Test("two worker processes share 8 chunks of 200,000 rows: the same table as one process, both did work")
    func twoProcesses() throws {
        let cli = try CLI()
        try prepare(cli)
        let workers = try (0..<2).map { _ in try cli.start(["worker", "--poll", "0.05"]).0 }
        try waitFor(cli, "SELECT status FROM sluice_jobs WHERE id = 2") { $0 == "succeeded" || $0 == "failed" }
        #expect(workers.map { stop($0) } == [0, 0])
        #expect(try cli.sql("SELECT status, progress, rows_read, rows_rejected FROM sluice_jobs WHERE id = 2")
                == "succeeded|100|200000|\(200_000 / 97)")
        #expect(try checksum(cli, "chunked") == checksum(cli, "whole"))
        #expect(try cli.sql("SELECT count(DISTINCT lease_owner) FROM sluice_chunks WHERE job_id = 2") == "2")
        #expect(try cli.sql("SELECT group_concat(line) FROM sluice_job_errors WHERE job_id = 2 ORDER BY line")
                == cli.sql("SELECT group_concat(line) FROM sluice_job_errors WHERE job_id = 1 ORDER BY line"))
        #expect(try cli.sql("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sluice_stage_%'") == "0")
    }

    @Test("hash strategy: two worker processes aggregate a file whose keys are scattered; every key is aggregated exactly once")
    func hashPartitionedAggregate() throws {
        let cli = try CLI()
        // Node `id % 1000` on row `id`: the rows of each node are spread over the whole file.
        var text = "node_id,start,stop,invoice_amount,note\n"
        for id in 1...100_000 {
            let start = 1_700_000_000 + id * 60
            text += "\(id % 1000),\(start),\(id % 97 == 0 ? start - 5 : start + 3600),\(id % 100).25,n\(id)\n"
        }
        let file = try cli.write("scattered.csv", text)
        let plain = try cli.write("plain.yaml", Self.profile)
        let aggregating = try cli.write("usage.yaml", Self.profile + """

            aggregate:
              by: [node_id]
              columns: {plans: count, invoiced: sum(invoice_amount), first_start: min(start)}
            """)
        #expect(try cli.run("import", file, "--profile", plain, "--table", "raw", "-q").status == 3)
        #expect(try cli.run("import", file, "--profile", aggregating, "--table", "one_pass", "-q").status == 3)
        let queued = try cli.run("import", file, "--profile", aggregating, "--table", "usage", "--background", "--chunks", "6")
        #expect(queued.status == 0, "\(queued.stderr)")
        let workers = try (0..<2).map { _ in try cli.start(["worker", "--poll", "0.05"]).0 }
        try waitFor(cli, "SELECT status FROM sluice_jobs WHERE id = 3") { $0 == "succeeded" || $0 == "failed" }
        #expect(workers.map { stop($0) } == [0, 0])
        #expect(try cli.sql("SELECT status, rows_read, rows_rejected FROM sluice_jobs WHERE id = 3") == "succeeded|100000|\(100_000 / 97)")
        // Exactly once: one row per node, and the counts add up to the good rows.
        #expect(try cli.sql("SELECT count(*), count(DISTINCT node_id), sum(plans) FROM usage") == "1000|1000|\(100_000 - 100_000 / 97)")
        let expected = try cli.sql("""
            SELECT group_concat(node_id || ':' || n || ':' || s || ':' || f, ',') FROM
              (SELECT node_id, count(*) AS n, total(invoice_amount) AS s, min(start) AS f FROM raw GROUP BY node_id ORDER BY node_id)
            """)
        let aggregated = { (table: String) throws -> String in try cli.sql("""
            SELECT group_concat(node_id || ':' || plans || ':' || invoiced || ':' || first_start, ',') FROM
              (SELECT * FROM \(table) ORDER BY node_id)
            """) }
        #expect(try aggregated("usage") == expected)
        #expect(try aggregated("one_pass") == expected)
        #expect(try cli.sql("SELECT group_concat(bucket_path) FROM sluice_chunks WHERE job_id = 3 ORDER BY chunk_index")
                == (0..<6).map { "bucket-000\($0).data" }.joined(separator: ","))
        #expect(try cli.sql("SELECT count(DISTINCT lease_owner) FROM sluice_chunks WHERE job_id = 3") == "2")
        #expect(try cli.run("jobs", "show", "3").stdout.contains("succeeded  bucket-0005.data"))
        #expect(try cli.sql("SELECT group_concat(line) FROM (SELECT line FROM sluice_job_errors WHERE job_id = 3 ORDER BY line)")
                == cli.sql("SELECT group_concat(line) FROM (SELECT line FROM sluice_job_errors WHERE job_id = 1 ORDER BY line)"))
    }

    @Test("a worker killed with SIGKILL mid-chunk: another takes the chunk over after its lease expires; exact result, rescue count 1")
    func killedWorker() throws {
        let cli = try CLI()
        // Two long chunks: a short one can finish between the poll that sees it running and the kill.
        try prepare(cli, rows: 400_000, chunks: 2)
        let lease = ["--lease", "1.5", "--heartbeat", "0.25", "--poll", "0.05"]
        let doomed = try cli.start(["worker"] + lease).0
        _ = try chunkInFlight(cli, readUnder: 100_000)
        #expect(stop(doomed, signal: SIGKILL) == SIGKILL)
        let rescuer = try cli.start(["worker"] + lease).0
        try waitFor(cli, "SELECT status FROM sluice_jobs WHERE id = 2") { $0 == "succeeded" || $0 == "failed" }
        #expect(stop(rescuer) == 0)
        #expect(try cli.sql("SELECT status FROM sluice_jobs WHERE id = 2") == "succeeded")
        #expect(try checksum(cli, "chunked") == checksum(cli, "whole"))
        // The chunk the killed worker held (the one seen running, unless it finished before the kill landed).
        #expect(try cli.sql("SELECT rescue_count, attempts FROM sluice_chunks WHERE job_id = 2 AND rescue_count > 0") == "1|2")
        #expect(try cli.sql("SELECT sum(rescue_count) FROM sluice_chunks WHERE job_id = 2") == "1")
        let show = try cli.run("jobs", "show", "2")
        #expect(show.stdout.contains("progress:  100%, chunk 2 of 2 done, 1 rescued"))
    }

    @Test("SIGTERM: the worker hands its chunk back and exits 0; another worker finishes the job")
    func politeStop() throws {
        let cli = try CLI()
        try prepare(cli, rows: 400_000, chunks: 2)
        let (worker, out, _) = try cli.start(["worker", "--poll", "0.05"])
        _ = try chunkInFlight(cli, readUnder: 100_000)
        #expect(stop(worker) == 0)
        let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("handed back to the queue"), "\(log)")
        // On a loaded machine the chunk seen running may finish before the
        // signal lands; whichever chunk the worker held is the one handed back.
        #expect(try cli.sql("SELECT count(*) FROM sluice_chunks WHERE job_id = 2 AND status = 'running'") == "0")
        #expect(try cli.sql("""
            SELECT status, lease_owner IS NULL, rescue_count FROM sluice_chunks
            WHERE job_id = 2 AND attempts > 0 AND status <> 'succeeded'
            """) == "queued|1|0")
        let finish = try cli.run("worker", "--once")
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(try cli.sql("SELECT status FROM sluice_jobs WHERE id = 2") == "succeeded")
        #expect(try checksum(cli, "chunked") == checksum(cli, "whole"))
    }

    @Test("jobs cancel mid-run: the running chunk stops within 2 s, the stage is dropped, the target is untouched")
    func cancelMidRun() throws {
        let cli = try CLI()
        let file = try cli.write("plans.csv", Self.plans(rows: 300_000))
        #expect(try cli.run("import", try cli.write("seed.csv", "node_id,start,stop,invoice_amount,note\n1,2,3,4.5,seed\n"),
                            "--table", "t", "-q").status == 0)
        // One long chunk, so that the cancel surely lands while it is being written, even on a loaded machine.
        #expect(try cli.run("import", file, "--table", "t", "--background", "--chunks", "1").status == 0)
        let (worker, out, _) = try cli.start(["worker", "--poll", "0.05"])
        let log = LogCollector(out)
        // Early in the chunk, so that the cancel lands while it is being written even on a loaded machine.
        try waitFor(cli, "SELECT count(*) FROM sluice_chunks WHERE job_id = 2 AND status = 'running' AND rows_read BETWEEN 1 AND 60000") { $0 == "1" }
        let cancelled = Date()
        let cancel = try cli.run("jobs", "cancel", "2")
        #expect(cancel.status == 0 && cancel.stdout == "job 2 cancelled\n", "\(cancel.stderr)")
        while !log.text.contains("stopped: job 2 is cancelled") && Date().timeIntervalSince(cancelled) < 10 {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let seconds = Date().timeIntervalSince(cancelled)
        print("the running chunk stopped \(String(format: "%.3f", seconds)) s after jobs cancel returned")
        #expect(seconds < 2, "\(log.text)")
        #expect(stop(worker) == 0)
        #expect(try cli.sql("SELECT status, progress < 100 FROM sluice_jobs WHERE id = 2") == "cancelled|1")
        #expect(try cli.sql("SELECT count(*) FROM sluice_chunks WHERE job_id = 2 AND status IN ('queued', 'running')") == "0")
        #expect(try cli.sql("SELECT count(*) FROM sqlite_master WHERE name = 'sluice_stage_2'") == "0")
        #expect(try cli.sql("SELECT node_id, note FROM t") == "1|seed")
    }
}

/// Collects what a running process writes, as it writes it.
final class LogCollector: Sendable {
    private let collected = Mutex("")

    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            self.collected.withLock { $0 += text }
        }
    }

    var text: String { collected.withLock { $0 } }
}
