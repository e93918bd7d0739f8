import Foundation
import Testing
import SluiceCore
import SluiceSQLite

@Suite("Importing into SQLite")
struct SQLiteImportTests {
    @Test("a sniffed CSV creates its table with typed columns, and leading zeros stay text")
    func sniffedImport() throws {
        let scratch = try Scratch()
        let file = try scratch.write("people.csv", "id,zip,score,born,active,name\n1,007,1.5,2024-01-31,true,Ann\n2,12345,2,1999-12-01,false,\"Bo, Jr.\"\n")
        let driver = try scratch.driver()
        let outcome = try driver.importFile(file)
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts == ImportCounts(rowsRead: 2, rowsImported: 2, rowsRejected: 0, bytesRead: outcome.counts.bytesRead))
        let types = try driver.rows("SELECT name, type FROM pragma_table_info('people') ORDER BY cid")
        #expect(types.map { $0[1] } == ["INTEGER", "TEXT", "REAL", "DATE", "BOOLEAN", "TEXT"])
        #expect(try driver.rows("SELECT zip, typeof(zip), score, active FROM people ORDER BY id")
                == [["007", "text", "1.5", "1"], ["12345", "text", "2.0", "0"]])
    }

    @Test("a value that does not fit a sniffed column widens it instead of being rejected")
    func widening() throws {
        let scratch = try Scratch()
        let rows = (1...3000).map { "\($0),\($0 * 2)" }.joined(separator: "\n")
        let file = try scratch.write("w.csv", "a,b\n" + rows + "\n3001,n/a\n3002,2.5\n")
        let driver = try scratch.driver()
        let outcome = try driver.importFile(file) { $0.sampleBytes = 1024 }
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts.rowsRejected == 0)
        #expect(try driver.count("w") == 3002)
        #expect(try driver.rows("SELECT type FROM pragma_table_info('w') ORDER BY cid").map { $0[0] } == ["INTEGER", "TEXT"])
        #expect(try driver.rows("SELECT b FROM w WHERE a >= 3001 ORDER BY a") == [["n/a"], ["2.5"]])
    }

    @Test("the plans profile types, checks and applies its rule; rejects keep line, column and reason")
    func profileImport() throws {
        let scratch = try Scratch()
        let file = try scratch.write("plans.csv", """
            node_id,start,stop,invoice_amount,gpu_class,region,note
            1,1000,4600,12.50,A100,eu-west-1,fine
            2,TBD,4600,1.00,A100,eu-west-1,bad start
            3,5000,4000,1.00,H100,eu-west-1,"stop before
            start"
            4,1000,4600,-3,TPU,us-east-1,two problems
            5,1000,4600,,L4,,empty invoice is NULL

            """)
        let driver = try scratch.driver()
        let outcome = try driver.importFile(file) { $0.profile = try? plansProfile() }
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts.rowsRead == 5)
        #expect(outcome.counts.rowsImported == 2)
        #expect(outcome.counts.rowsRejected == 3)
        #expect(try driver.rows("SELECT node_id, invoice_amount, region FROM plans ORDER BY node_id") == [["1", "12.5", "eu-west-1"], ["5", nil, nil]])
        let jobID = try #require(outcome.jobID)
        let job = try #require(try driver.jobs.jobGet(id: jobID))
        #expect(job.status == .succeeded)
        #expect(job.rowsRejected == 3)
        let errors = try driver.jobs.jobErrors(jobID: jobID, limit: 100, offset: 0)
        #expect(errors.map(\.line) == [3, 4, 6, 6])
        #expect(errors[0].kind == .cast && errors[0].column == "start" && errors[0].value == "TBD")
        #expect(errors[1].kind == .rule && errors[1].message == "duration must be between 1 minute and 30 days")
        #expect(errors[1].original == "3,5000,4000,1.00,H100,eu-west-1,\"stop before\nstart\"")
        #expect(Set(errors[2...].map(\.column)) == ["invoice_amount", "gpu_class"])
    }

    @Test("exceeding the error budget fails the job and leaves the table as it was")
    func errorBudget() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let good = try scratch.write("good.csv", "a,b\n1,x\n")
        _ = try driver.importFile(good) { $0.table = "t" }
        let bad = try scratch.write("bad.csv", "a,b\n2,y\nz,w\nq,v\n3,u\n")
        let outcome = try driver.importFile(bad) {
            $0.table = "t"
            $0.maxErrors = 1
        }
        #expect(outcome.status == .failed)
        #expect(outcome.failure?.contains("error budget exceeded") == true)
        #expect(outcome.counts.rowsImported == 0)
        #expect(try driver.rows("SELECT a, b FROM t") == [["1", "x"]])
        let jobID = try #require(outcome.jobID)
        let job = try #require(try driver.jobs.jobGet(id: jobID))
        #expect(job.status == .failed)
        #expect(job.error?.contains("error budget") == true)
        #expect(try driver.jobs.jobErrors(jobID: job.id, limit: 10, offset: 0).map(\.line) == [3, 4])
    }

    @Test("the error ratio is judged at the end")
    func errorRatio() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let file = try scratch.write("r.csv", "a\n1\n2\nx\n")
        _ = try driver.importFile(try scratch.write("seed.csv", "a\n0\n")) { $0.table = "r" }
        let failed = try driver.importFile(file) { $0.maxErrorRatio = 0.2 }
        #expect(failed.status == .failed)
        #expect(try driver.count("r") == 1)
        let passed = try driver.importFile(file) { $0.maxErrorRatio = 0.5 }
        #expect(passed.status == .succeeded)
        #expect(try driver.count("r") == 3)
    }

    @Test("upserting the same file twice gives the same table")
    func upsertTwice() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let file = try scratch.write("u.csv", "id,v\n1,a\n2,b\n1,c\n")
        for _ in 0..<2 {
            let outcome = try driver.importFile(file) {
                $0.mode = .upsert
                $0.key = ["id"]
            }
            #expect(outcome.status == .succeeded)
            #expect(try driver.rows("SELECT id, v FROM u ORDER BY id") == [["1", "c"], ["2", "b"]])
        }
    }

    @Test("replace wipes the table and refills it in one transaction")
    func replaceMode() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        _ = try driver.importFile(try scratch.write("t.csv", "id\n1\n2\n"))
        let outcome = try driver.importFile(try scratch.write("t2.csv", "id\n9\n")) {
            $0.table = "t"
            $0.mode = .replace
        }
        #expect(outcome.status == .succeeded)
        #expect(try driver.rows("SELECT id FROM t") == [["9"]])
    }

    @Test("a column the existing table lacks is an error, unless alter adds it")
    func missingColumn() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        _ = try driver.importFile(try scratch.write("t.csv", "id\n1\n"))
        let wider = try scratch.write("t2.csv", "ID,Extra Col\n2,x\n")
        #expect(throws: PlanError.self) { try driver.importFile(wider) { $0.table = "t" } }
        let outcome = try driver.importFile(wider) {
            $0.table = "t"
            $0.alter = true
        }
        #expect(outcome.status == .succeeded)
        #expect(try driver.rows("SELECT id, \"Extra Col\" FROM t ORDER BY id") == [["1", nil], ["2", "x"]])
    }

    @Test("a header written as SQL becomes a harmless column name")
    func injectionHeader() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        _ = try driver.importFile(try scratch.write("t.csv", "a\n1\n"))
        let evil = try scratch.write("evil.csv", "\"x\"\"); DROP TABLE t; --\",b\n1,2\n")
        let outcome = try driver.importFile(evil) { $0.table = "evil\"; DROP TABLE t; --" }
        #expect(outcome.status == .succeeded)
        #expect(try driver.count("t") == 1)
        #expect(try driver.rows("SELECT name FROM pragma_table_info('evil\"; DROP TABLE t; --') ORDER BY cid")
                == [["x\"); DROP TABLE t; --"], ["b"]])
    }

    @Test("a row the database refuses becomes a constraint rejection with its line")
    func constraintRejection() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        _ = try driver.importFile(try scratch.write("seed.csv", "id\n0\n")) { $0.table = "c" }
        try driver.execute("DROP TABLE c; CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        let outcome = try driver.importFile(try scratch.write("c.csv", "id,name\n1,a\n1,b\n2,\n")) { $0.table = "c" }
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts.rowsImported == 1)
        let jobID = try #require(outcome.jobID)
        let errors = try driver.jobs.jobErrors(jobID: jobID, limit: 10, offset: 0)
        #expect(errors.map(\.line) == [3, 4])
        #expect(errors.allSatisfy { $0.kind == .constraint })
        #expect(errors[0].message.contains("UNIQUE") && errors[1].message.contains("NOT NULL"))
    }

    @Test("a dry run reads and checks everything and writes nothing")
    func dryRun() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let outcome = try driver.importFile(try scratch.write("d.csv", "a\n1\n2\n")) { $0.dryRun = true }
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts.rowsImported == 2)
        #expect(outcome.jobID == nil)
        #expect(try driver.existingColumns(of: "d") == nil)
        #expect(try driver.jobs.jobList(status: nil, limit: 10).isEmpty)
    }

    @Test("a cancelled import rolls back and is recorded as cancelled")
    func cancellation() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let flag = CancellationFlag()
        flag.cancel()
        let outcome = try driver.importFile(try scratch.write("x.csv", "a\n1\n2\n"), cancellation: flag)
        #expect(outcome.status == .cancelled)
        #expect(try driver.existingColumns(of: "x") == nil)
        let jobID = try #require(outcome.jobID)
        #expect(try driver.jobs.jobGet(id: jobID)?.status == .cancelled)
    }

    @Test("a full database fails the job cleanly and keeps what was committed before")
    func fullDisk() throws {
        let scratch = try Scratch()
        var configuration = SQLiteDriver.Configuration()
        configuration.pageSize = 4096
        configuration.maxPageCount = 40  // 160 KB at 4 KiB pages: the second file does not fit
        let driver = try scratch.driver(configuration)
        _ = try driver.importFile(try scratch.write("f.csv", "a,b\n1,x\n"))
        let big = (0..<20_000).map { "\($0),\(String(repeating: "y", count: 40))" }.joined(separator: "\n")
        let outcome = try driver.importFile(try scratch.write("f2.csv", "a,b\n" + big + "\n")) { $0.table = "f" }
        #expect(outcome.status == .failed)
        #expect(outcome.failure?.contains("full") == true)
        #expect(try driver.rows("SELECT a, b FROM f") == [["1", "x"]])
    }

    @Test("a new database gets 64 KiB pages and WAL; an existing one keeps its page size")
    func pageSize() throws {
        let scratch = try Scratch()
        #expect(try scratch.driver().rows("PRAGMA page_size") == [["65536"]])
        #expect(try scratch.driver().rows("PRAGMA journal_mode") == [["wal"]])
        let other = try SQLiteDriver(path: scratch.path("old.db"), configuration: {
            var configuration = SQLiteDriver.Configuration()
            configuration.pageSize = 4096
            return configuration
        }())
        _ = try other.importFile(try scratch.write("p.csv", "a\n1\n"))
        #expect(try SQLiteDriver(path: scratch.path("old.db")).rows("PRAGMA page_size") == [["4096"]])
    }

    @Test("refused rows inside a many-row insert are found one by one; the rest of the group lands")
    func constraintInsideGroup() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        _ = try driver.importFile(try scratch.write("seed.csv", "id\n0\n")) { $0.table = "g" }
        try driver.execute("DROP TABLE g; CREATE TABLE g (id INTEGER PRIMARY KEY, v TEXT)")
        var text = "id,v\n"
        for id in 1...300 { text += "\(id == 70 || id == 150 ? 5 : id),row \(id)\n" }
        let outcome = try driver.importFile(try scratch.write("g.csv", text)) { $0.table = "g" }
        #expect(outcome.counts.rowsImported == 298)
        let jobID = try #require(outcome.jobID)
        #expect(try driver.jobs.jobErrors(jobID: jobID, limit: 10, offset: 0).map(\.line) == [71, 151])
        #expect(try driver.count("g") == 298)
        #expect(try driver.rows("SELECT v FROM g WHERE id = 5") == [["row 5"]])
    }

    @Test("upsert of many rows with repeated keys keeps the last value of each key, twice over")
    func upsertManyRows() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        var text = "id,v\n"
        for line in 0..<250 { text += "\(line % 100),v\(line)\n" }
        let file = try scratch.write("m.csv", text)
        for _ in 0..<2 {
            let outcome = try driver.importFile(file) {
                $0.mode = .upsert
                $0.key = ["id"]
            }
            #expect(outcome.status == .succeeded && outcome.counts.rowsImported == 250)
            #expect(try driver.count("m") == 100)
            #expect(try driver.rows("SELECT v FROM m WHERE id IN (0, 49, 50, 99) ORDER BY id") == [["v200"], ["v249"], ["v150"], ["v199"]])
        }
    }
}

@Suite("Header edge cases")
struct HeaderEdgeCaseTests {
    @Test("an empty header cell (a trailing delimiter) becomes column_N")
    func emptyHeaderCell() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let outcome = try driver.importFile(try scratch.write("e.csv", "a,b,\n1,2,\n3,4,x\n"))
        #expect(outcome.status == .succeeded)
        #expect(try driver.rows("SELECT a, b, column_3 FROM e ORDER BY a") == [["1", "2", nil], ["3", "4", "x"]])
    }

    @Test("--no-header names the columns column_1… and reads the first line as data")
    func noHeader() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let outcome = try driver.importFile(try scratch.write("n.csv", "id,name\n1,a\n")) { $0.hasHeader = false }
        #expect(outcome.counts.rowsRead == 2)
        #expect(try driver.rows("SELECT column_1, column_2 FROM n") == [["id", "name"], ["1", "a"]])
    }
}

@Suite("The job store")
struct JobStoreTests {
    @Test("status moves are guarded: queued → running once, running → final once")
    func guardedTransitions() throws {
        let scratch = try Scratch()
        let jobs = try scratch.driver().jobs
        let now = Date()
        let job = try jobs.jobCreate(JobCreateParams(source: "f.csv", profile: nil, table: "t", mode: .append, bytes: 10, now: now))
        #expect(job.status == .queued)
        #expect(try jobs.jobMarkRunning(id: job.id, now: now))
        #expect(try !jobs.jobMarkRunning(id: job.id, now: now))
        let finish = JobFinishParams(id: job.id, status: .succeeded, counts: ImportCounts(rowsRead: 2, rowsImported: 2), summary: "ok", now: now)
        #expect(try jobs.jobFinish(finish))
        var again = finish
        again.status = .failed
        #expect(try !jobs.jobFinish(again))
        let stored = try #require(try jobs.jobGet(id: job.id))
        #expect(stored.status == .succeeded && stored.rowsImported == 2 && stored.summary == "ok")
        #expect(try jobs.jobList(status: .succeeded, limit: 10).map(\.id) == [job.id])
        #expect(try jobs.jobList(status: .running, limit: 10).isEmpty)
    }
}
