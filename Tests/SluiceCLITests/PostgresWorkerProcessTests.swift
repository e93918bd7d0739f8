import Foundation
import Testing
import SluiceTestSupport

/// Scale-out on PostgreSQL: `sluice worker` processes sharing one server as
/// queue, lock service and target, woken by NOTIFY, and publishing into one
/// table (workers killed mid-run: `SharedNothingTests`). Every wait polls
/// with a deadline.
@Suite("sluice worker processes on PostgreSQL")
struct PostgresWorkerProcessTests {
    let workerTests = WorkerProcessTests()

    /// Polls `query` (by psql) until `expected` holds, for at most `seconds`.
    @discardableResult
    func waitFor(_ database: TestPostgres.Database, _ query: String, seconds: TimeInterval = 240,
                 toBe expected: (String) -> Bool) throws -> String {
        try Self.waitFor(database.psql, query, seconds: seconds, toBe: expected)
    }

    /// The same through any `psql`.
    @discardableResult
    static func waitFor(_ psql: (String) throws -> String, _ query: String, seconds: TimeInterval = 240,
                        toBe expected: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = (try? psql(query)) ?? ""
            if expected(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("waited \(seconds) s for \(query); last saw \(last)")
        return last
    }

    /// What a table holding exactly the good rows of `WorkerProcessTests.plans(rows:)` sums to.
    static func expectedChecksum(rows: Int) -> String {
        let good = (1...rows).filter { $0 % 97 != 0 }
        let notes = good.reduce(0) { $0 + ($1 % 7 == 0 ? "two\nlines, \"q\" \($1)".count : "n\($1)".count) }
        return "\(good.count)|\(good.reduce(0, +))|\(good.reduce(0) { $0 + 1_700_000_000 + $1 * 60 })|\(notes)"
    }

    static let checksumQuery = "SELECT count(*), sum(node_id), sum(start), sum(length(note)) FROM chunked"

    @Test("a sleeping worker (poll every 60 s) picks up a newly queued job within 5 s: LISTEN/NOTIFY woke it")
    func notifyWakesWorker() throws {
        guard let database = try TestPostgres.freshDatabase() else { return }
        defer { database.drop() }
        let cli = try CLI()
        let env = ["SLUICE_DATABASE": database.text]
        let worker = try cli.start(["worker", "--poll", "60"], env: env).0
        defer { _ = workerTests.stop(worker) }
        // Asleep: it looked once, found nothing, and its listening connection waits.
        try waitFor(database, """
            SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "sluice_work"'
            """) { $0 == "1" }
        let file = try cli.write("small.csv", "a,b\n1,x\n2,y\n")
        let queued = Date()
        #expect(try cli.run(env: env, ["import", file, "--background"]).status == 0)
        try waitFor(database, "SELECT status FROM sluice.jobs WHERE id = 1", seconds: 30) { $0 == "succeeded" }
        let latency = Date().timeIntervalSince(queued)
        print("the sleeping worker took, planned and published the job \(String(format: "%.3f", latency)) s after the enqueue began")
        #expect(latency < 5)
        #expect(try database.psql("SELECT count(*) FROM small") == "2")
    }

    @Test("two jobs upsert overlapping keys into one table with a primary key, through two workers: no deadlock, no row twice")
    func twoJobsOneTable() throws {
        guard let database = try TestPostgres.freshDatabase() else { return }
        defer { database.drop() }
        let cli = try CLI()
        let env = ["SLUICE_DATABASE": database.text]
        _ = try database.psql("CREATE TABLE public.t (id BIGINT PRIMARY KEY, v TEXT NOT NULL)")
        // Job A writes ids 0..<60,000 in descending order, job B ids 30,000..<90,000 in ascending
        // order: both publishes touch the overlap, in opposite orders.
        var a = "id,v\n", b = "id,v\n"
        for id in (0..<60_000).reversed() { a += "\(id),a\n" }
        for id in 30_000..<90_000 { b += "\(id),b\n" }
        for (name, text) in [("a.csv", a), ("b.csv", b)] {
            let queued = try cli.run(env: env, ["import", try cli.write(name, text), "--table", "t", "--mode", "upsert", "--key", "id",
                                                "--background", "--chunks", "6"])
            #expect(queued.status == 0, "\(queued.stderr)")
        }
        let workers = try (0..<2).map { _ in try cli.start(["worker", "--concurrency", "2", "--poll", "0.1"], env: env).0 }
        try waitFor(database, "SELECT string_agg(status, ',' ORDER BY id) FROM sluice.jobs") { !$0.contains("queued") && !$0.contains("running") }
        #expect(workers.map { workerTests.stop($0) } == [0, 0])
        #expect(try database.psql("SELECT string_agg(status, ',' ORDER BY id) FROM sluice.jobs") == "succeeded,succeeded")
        #expect(try database.psql("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM public.t") == "90000|90000|0|89999")
        #expect(try database.psql("SELECT v, count(*) FROM public.t WHERE id < 30000 OR id >= 60000 GROUP BY v ORDER BY v") == "a|30000\nb|30000")
        // The overlap holds one job's rows, the one that published last.
        let last = try database.psql("SELECT CASE WHEN id = 1 THEN 'a' ELSE 'b' END FROM sluice.jobs ORDER BY finished_at DESC LIMIT 1")
        #expect(try database.psql("SELECT v, count(*) FROM public.t WHERE id >= 30000 AND id < 60000 GROUP BY v") == "\(last)|30000")
    }
}
