import Foundation
import Testing
import SluiceTestSupport

/// Workers that share nothing but the database: a fourth process stores the
/// input in PostgreSQL, queues the job and exits (its directory goes with
/// it), and each of three `sluice worker` processes runs in an empty
/// directory of its own with an empty `--storage` of its own.
@Suite("Workers that share only the database")
struct SharedNothingTests {
    let workerTests = WorkerProcessTests()
    static let rows = 1_000_000

    /// How the processes reach the server: client 0–2 are the workers, 3 the enqueuer.
    struct Reach {
        var url: (Int) -> String
        var prefix: (Int) -> [String] = { _ in [] }
        var psql: (String) throws -> String
    }

    @Test("three workers in empty directories of their own import 1,000,000 rows enqueued by a process that exited: exact result")
    func threeWorkers() throws {
        guard let database = try TestPostgres.freshDatabase() else { return }
        defer { database.drop() }
        try importThroughDatabase(Reach(url: { _ in database.text }, psql: database.psql), killOne: false)
    }

    @Test("the same with one worker killed by SIGKILL mid-chunk: exact result, its chunk rescued once")
    func threeWorkersOneKilled() throws {
        guard let database = try TestPostgres.freshDatabase() else { return }
        defer { database.drop() }
        try importThroughDatabase(Reach(url: { _ in database.text }, psql: database.psql), killOne: true)
    }

    @Test("the same with PostgreSQL in a network namespace and each process in its own, joined by veth pairs")
    func overANetwork() throws {
        guard let lab = try NetworkLab.make(clients: 4) else { return }
        defer { lab.close() }
        try importThroughDatabase(Reach(url: lab.url(forClient:), prefix: lab.prefix(forClient:), psql: lab.psql), killOne: true) {
            // The surviving workers are connected, each from its own namespace's address.
            let addresses = try lab.psql("""
                SELECT string_agg(DISTINCT host(client_addr), ',') FROM pg_stat_activity WHERE client_addr <<= '10.213.0.0/16'
                """).split(separator: ",")
            #expect(addresses.count == 2 && addresses.allSatisfy { $0.hasPrefix("10.213.") && $0.hasSuffix(".2") }, "\(addresses)")
        }
    }

    /// `beforeStop` runs once the job has ended, while the surviving workers still run.
    private func importThroughDatabase(_ reach: Reach, killOne: Bool, beforeStop: () throws -> Void = {}) throws {
        let cli = try CLI()
        let rows = Self.rows
        let fresh = { (name: String) throws -> URL in
            let directory = cli.directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("storage"), withIntermediateDirectories: true)
            return directory
        }
        // The enqueuer: it stores the input in the database, queues the job and exits; then its directory goes.
        let home = try fresh("enqueuer")
        let file = home.appendingPathComponent("plans.csv").path, profile = home.appendingPathComponent("plans.yaml").path
        try Data(WorkerProcessTests.plans(rows: rows).utf8).write(to: URL(fileURLWithPath: file))
        try Data(WorkerProcessTests.profile.utf8).write(to: URL(fileURLWithPath: profile))
        let queued = try cli.run(env: ["SLUICE_DATABASE": reach.url(3)], in: home, prefix: reach.prefix(3),
                                 ["import", file, "--profile", profile, "--table", "chunked", "--background", "--chunks", "12"])
        #expect(queued.status == 0, "\(queued.stderr)")
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? -1
        try FileManager.default.removeItem(at: home)
        #expect(try reach.psql("SELECT key, size FROM sluice.blobs") == "job-1/input|\(size)")
        #expect(try reach.psql("SELECT storage_key FROM sluice.jobs WHERE id = 1") == "database:job-1/input")

        // A 6 s lease: under the whole suite's load a 3 s one once ran out on a live worker too.
        let homes = try (0..<3).map { try fresh("worker-\($0)") }
        var workers = try homes.enumerated().map { index, directory in
            try cli.start(["worker", "--storage", "storage", "--lease", "6", "--heartbeat", "0.5", "--poll", "0.2"],
                          env: ["SLUICE_DATABASE": reach.url(index)], in: directory, prefix: reach.prefix(index)).0
        }
        var killed: (pid: Int32, owner: String)?
        if killOne {
            // A chunk well under way (but far from done), and the worker that holds it.
            let owner = try PostgresWorkerProcessTests.waitFor(reach.psql, """
                SELECT lease_owner FROM sluice.chunks WHERE status = 'running' AND rows_read BETWEEN 1 AND 40000 LIMIT 1
                """) { !$0.isEmpty }
            let pid = Int32(owner.split(separator: ":")[1]) ?? -1
            let doomed = try #require(workers.firstIndex { $0.processIdentifier == pid }, "no worker has pid \(pid) (\(owner))")
            #expect(workerTests.stop(workers.remove(at: doomed), signal: SIGKILL) == SIGKILL)
            killed = (pid, owner)
        }
        try PostgresWorkerProcessTests.waitFor(reach.psql, "SELECT status FROM sluice.jobs WHERE id = 1") {
            $0 == "succeeded" || $0 == "failed"
        }
        let error = try reach.psql("SELECT error FROM sluice.jobs WHERE id = 1")
        #expect(try reach.psql("SELECT status, rows_read, rows_rejected FROM sluice.jobs WHERE id = 1") == "succeeded|\(rows)|\(rows / 97)",
                "\(error)")
        #expect(try reach.psql(PostgresWorkerProcessTests.checksumQuery) == PostgresWorkerProcessTests.expectedChecksum(rows: rows))
        #expect(try reach.psql("SELECT count(*), count(DISTINCT node_id) FROM chunked") == "\(rows - rows / 97)|\(rows - rows / 97)")
        let rescued = try reach.psql("SELECT chunk_index, rescue_count, attempts, lease_owner FROM sluice.chunks WHERE rescue_count > 0")
        if let killed {
            // The chunk the killed worker held went to another worker after its lease ran out.
            #expect(try reach.psql("SELECT rescue_count, attempts FROM sluice.chunks WHERE rescue_count > 0") == "1|2",
                    "rescued chunks (index|rescues|attempts|owner): \(rescued); the killed worker was \(killed.owner)")
            #expect(try reach.psql("SELECT lease_owner <> '\(killed.owner)' FROM sluice.chunks WHERE rescue_count > 0") == "t")
        } else {
            #expect(rescued.isEmpty, "no worker died, yet chunks were rescued: \(rescued)")
        }
        #expect(try reach.psql("""
            SELECT count(DISTINCT split_part(lease_owner, ':', 2)) FROM sluice.chunks WHERE split_part(lease_owner, ':', 2) <> '\(killed?.pid ?? 0)'
            """) == "\(workers.count)", "every surviving worker took chunks")
        #expect(try reach.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'sluice' AND tablename LIKE 'stage_%'") == "0")
        // Each worker's directory is as it was made: an empty storage directory, nothing else.
        for directory in homes {
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["storage"], "\(directory.path)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("storage").path) == [])
        }
        try beforeStop()
        #expect(workers.map { workerTests.stop($0) } == workers.map { _ in 0 })
    }
}
