import Foundation
import Testing

@Suite("Background imports and sluice worker")
struct BackgroundTests {
    @Test("--background stores the input and queues a job; worker --once imports it and exits")
    func queueThenWork() throws {
        let cli = try CLI()
        let file = try cli.write("t.csv", "id,name\n1,a\n2,b\n")
        let queued = try cli.run("import", file, "--background")
        #expect(queued.status == 0, "\(queued.stderr)")
        #expect(queued.stdout.hasPrefix("queued job 1: \(file) into t;"))
        #expect(try cli.sql("SELECT status, storage_key FROM sluice_jobs") == "queued|job-1/input")
        #expect(try String(contentsOfFile: cli.path("sluice-data/job-1/input"), encoding: .utf8) == "id,name\n1,a\n2,b\n")
        try FileManager.default.removeItem(atPath: file)  // the worker reads the stored copy
        let worked = try cli.run("worker", "--once")
        #expect(worked.status == 0, "\(worked.stderr)")
        #expect(worked.stdout == "job 1: planned 1 chunk\njob 1: succeeded: 2 read, 2 imported, 0 rejected into t\n")
        #expect(try cli.sql("SELECT group_concat(name) FROM t") == "a,b")
        #expect(try cli.sql("SELECT status, rows_imported FROM sluice_jobs") == "succeeded|2")
        let idle = try cli.run("worker", "--once")
        #expect(idle.status == 0 && idle.stdout.isEmpty)
    }

    @Test("the job carries its profile: the worker applies it after the profile file is gone")
    func profileTravelsWithTheJob() throws {
        let cli = try CLI()
        let profile = try cli.write("p.yaml", "table: people\ncolumns:\n  id: {type: integer, required: true}\n  name: text\n")
        let file = try cli.write("x.csv", "id,name\n1,a\nnope,b\n")
        #expect(try cli.run("import", file, "--profile", profile, "--background", "--json").stdout
                == "{\"job_id\":1,\"status\":\"queued\",\"table\":\"people\"}\n")
        try FileManager.default.removeItem(atPath: profile)
        let worked = try cli.run("worker", "--once", "--limit", "1")
        #expect(worked.status == 0)
        #expect(try cli.sql("SELECT id, name FROM people") == "1|a")
        #expect(try cli.sql("SELECT line, kind FROM sluice_job_errors") == "3|cast")
    }

    @Test("a queued job with bad input fails on the worker, which goes on")
    func badInputFailsTheJob() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("h.csv", "id,name\n"), "--background")
        _ = try cli.run("import", try cli.write("g.csv", "id\n7\n"), "--background")
        let worked = try cli.run("worker", "--once")
        #expect(worked.status == 0)
        #expect(worked.stderr.contains("job 1: "))
        #expect(worked.stderr.contains("the file has a header but no data rows"))
        #expect(try cli.sql("SELECT id, status FROM sluice_jobs ORDER BY id") == "1|failed\n2|succeeded")
        #expect(try cli.sql("SELECT id FROM g") == "7")
    }

    @Test("--background refuses a missing file before any job exists")
    func missingFile() throws {
        let cli = try CLI()
        let result = try cli.run("import", cli.path("nope.csv"), "--background")
        #expect(result.status == 1)
        #expect(result.stderr == "sluice: \(cli.path("nope.csv")): no such file\n")
        #expect(!FileManager.default.fileExists(atPath: cli.path("sluice.db")))
    }

    @Test("jobs cancel stops a queued job; a worker never runs it")
    func cancelQueued() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("c.csv", "id\n1\n"), "--background")
        let cancel = try cli.run("jobs", "cancel", "1")
        #expect(cancel.status == 0 && cancel.stdout == "job 1 cancelled\n")
        #expect(try cli.run("worker", "--once").stdout.isEmpty)
        #expect(try cli.sql("SELECT status FROM sluice_jobs") == "cancelled")
        let again = try cli.run("jobs", "cancel", "1")
        #expect(again.status == 1 && again.stderr == "sluice: job 1 has already ended (cancelled); nothing to cancel\n")
    }

    @Test("jobs retry queues a failed background job again, and it succeeds once the cause is fixed")
    func retryAfterFix() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("seed.csv", "id\n0\n"), "--table", "r")
        _ = try cli.run("import", try cli.write("r2.csv", "id,extra\n1,x\n"), "--table", "r", "--background")
        _ = try cli.run("worker", "--once")
        #expect(try cli.sql("SELECT status FROM sluice_jobs WHERE id = 2") == "failed")
        _ = try cli.sql("ALTER TABLE r ADD COLUMN extra TEXT")
        let retry = try cli.run("jobs", "retry", "2")
        #expect(retry.status == 0 && retry.stdout == "job 2 queued again; `sluice worker` runs it\n")
        _ = try cli.run("worker", "--once")
        #expect(try cli.sql("SELECT status FROM sluice_jobs WHERE id = 2") == "succeeded")
        #expect(try cli.sql("SELECT id, extra FROM r ORDER BY id") == "0|\n1|x")
        let foreground = try cli.run("jobs", "retry", "1")
        #expect(foreground.status == 1 && foreground.stderr.contains("kept no copy of its input"))
    }
}

@Suite("sluice import --chunks")
struct ChunksCommandTests {
    @Test("--chunks 3 gives the same table as one pass, and jobs show lists the chunks")
    func chunks() throws {
        let cli = try CLI()
        var text = "id,note\n"
        for id in 1...3_000 { text += "\(id),\"a\nb \(id)\"\n" }
        let file = try cli.write("c.csv", text)
        let result = try cli.run("import", file, "--chunks", "3", "--table", "c")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("imported 3,000 of 3,000 rows into c"))
        let digits: Int = (1...3_000).map { String($0).count }.reduce(0, +)
        let noteLength = 3_000 * 4 + digits  // "a\nb " and the id
        #expect(try cli.sql("SELECT count(*), sum(id), sum(length(note)) FROM c") == "3000|4501500|\(noteLength)")
        let show = try cli.run("jobs", "show", "1")
        #expect(show.stdout.contains("progress:  100%, chunk 3 of 3 done"))
        #expect(show.stdout.contains("chunk  status     input"))
        #expect(show.stdout.contains("bytes 8..<"))
        #expect(show.stdout.split(separator: "\n").filter { $0.contains("succeeded") && $0.hasSuffix("1         0") }.count == 3)
    }
}
