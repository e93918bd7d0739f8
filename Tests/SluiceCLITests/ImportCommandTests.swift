import Foundation
import Testing

@Suite("sluice import")
struct ImportCommandTests {
    @Test("the example imports with the plans profile: exit 3, a summary naming the rejected row")
    func example() throws {
        let cli = try CLI()
        let root = CLI.repositoryRoot.path
        let result = try cli.run("import", root + "/examples/plans.csv", "--profile", root + "/profiles/plans.yaml")
        #expect(result.status == 3)
        #expect(result.stdout.contains("imported 999 of 1,000 rows into plans (sluice.db)"))
        #expect(result.stdout.contains("1 rejected (sluice jobs errors 1)"))
        #expect(result.stderr.contains("duration must be between 1 minute and 30 days"))
        #expect(try cli.sql("SELECT count(*) FROM plans") == "999")
    }

    @Test("exit 0 and --json when every row lands")
    func jsonSummary() throws {
        let cli = try CLI()
        let file = try cli.write("t.csv", "a,b\n1,x\n2,y\n")
        let result = try cli.run("import", file, "--json")
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["status"] as? String == "succeeded")
        #expect(object?["rows_imported"] as? Int == 2)
        #expect(object?["rows_rejected"] as? Int == 0)
        #expect(object?["job_id"] as? Int == 1)
    }

    @Test("--quiet prints nothing on success")
    func quiet() throws {
        let cli = try CLI()
        let result = try cli.run("import", try cli.write("t.csv", "a\n1\n"), "--quiet")
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty && result.stderr.isEmpty)
    }

    @Test("--rejects writes the original fields with _line and _error")
    func rejectsFile() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("seed.csv", "id,name\n0,seed\n"), "--table", "t")
        let file = try cli.write("t.csv", "id,name\n1,ok\nx,\"bad, quoted\"\n2,fine\n")
        let result = try cli.run("import", file, "--table", "t", "--rejects", cli.path("rejects.csv"))
        #expect(result.status == 3)
        let rejects = try String(contentsOfFile: cli.path("rejects.csv"), encoding: .utf8)
        #expect(rejects == "id,name,_line,_error\nx,\"bad, quoted\",3,column 'id': 'x' is not an integer\n")
    }

    @Test("--max-errors exceeded: exit 1, nothing imported, the reason on stderr")
    func budgetExceeded() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("seed.csv", "id\n0\n"), "--table", "t")
        let result = try cli.run("import", try cli.write("t.csv", "id\n1\nx\ny\n"), "--table", "t", "--max-errors", "1")
        #expect(result.status == 1)
        #expect(result.stderr.contains("error budget exceeded"))
        #expect(result.stdout.contains("nothing imported"))
        #expect(try cli.sql("SELECT count(*) FROM t") == "1")
        #expect(try cli.run("jobs", "show", "2").stdout.contains("job 2: failed"))
    }

    @Test("--dry-run creates no database file")
    func dryRun() throws {
        let cli = try CLI()
        let result = try cli.run("import", try cli.write("t.csv", "id\n1\n"), "--dry-run")
        #expect(result.status == 0)
        #expect(result.stdout.contains("dry run: would import 1 of 1 rows"))
        #expect(!FileManager.default.fileExists(atPath: cli.path("sluice.db")))
    }

    @Test("JSONL imports into the table named by --table and --db, nested values as JSON text")
    func jsonLines() throws {
        let cli = try CLI()
        let file = try cli.write("events.jsonl", "{\"id\":1,\"kind\":\"click\",\"meta\":{\"x\":1}}\n{\"id\":2,\"kind\":\"view\",\"meta\":null}\n")
        let result = try cli.run("import", file, "--table", "events", "--db", "out.db")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try cli.sql("SELECT id, kind, meta FROM events ORDER BY id", database: "out.db") == "1|click|{\"x\":1}\n2|view|")
    }

    @Test("a JSON array file streams in; a malformed JSONL line is a rejected row with its line")
    func jsonArrayAndMalformedLines() throws {
        let cli = try CLI()
        let array = try cli.write("a.json", "[\n  {\"id\": 1, \"tags\": [\"x\", \"y\"]},\n  {\"id\": 2, \"tags\": []}\n]\n")
        #expect(try cli.run("import", array).status == 0)
        #expect(try cli.sql("SELECT id, tags FROM a ORDER BY id") == "1|[\"x\",\"y\"]\n2|[]")
        let lines = try cli.write("l.jsonl", "{\"id\": 1}\n{\"id\": 2,\n{\"id\": 3}\n")
        let result = try cli.run("import", lines)
        #expect(result.status == 3)
        #expect(result.stderr.contains("l.jsonl: line 2: "), "\(result.stderr)")
        #expect(try cli.sql("SELECT group_concat(id) FROM l") == "1,3")
        #expect(try cli.sql("SELECT line, kind FROM sluice_job_errors WHERE job_id = 2") == "2|malformed")
    }

    @Test("upsert by --key twice gives the same table")
    func upsert() throws {
        let cli = try CLI()
        let file = try cli.write("u.csv", "id,v\n1,a\n2,b\n")
        for _ in 0..<2 {
            #expect(try cli.run("import", file, "--mode", "upsert", "--key", "id").status == 0)
        }
        #expect(try cli.sql("SELECT id, v FROM u ORDER BY id") == "1|a\n2|b")
    }

    @Test("--delimiter, --quote and --no-header override the sniffer")
    func overrides() throws {
        let cli = try CLI()
        let file = try cli.write("o.txt", "1\t'a\tb'\n2\t'c'\n")
        let result = try cli.run("import", file, "--delimiter", "\\t", "--quote", "'", "--no-header", "--table", "o")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try cli.sql("SELECT column_1, column_2 FROM o ORDER BY column_1") == "1|a\tb\n2|c")
    }

    @Test("a wrong command line exits 64 with a usage message")
    func usageErrors() throws {
        let cli = try CLI()
        let missing = try cli.run("import")
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Missing expected argument '<file>'"))
        let badValue = try cli.run("import", "x.csv", "--max-error-ratio", "2")
        #expect(badValue.status == 64)
        #expect(badValue.stderr.contains("--max-error-ratio must be between 0 and 1"))
        #expect(try cli.run("import", "x.csv", "--mode", "merge").status == 64)
        let backgroundConcurrency = try cli.run("import", "x.csv", "--background", "--concurrency", "4")
        #expect(backgroundConcurrency.status == 64)
        #expect(backgroundConcurrency.stderr.contains("a background job's chunks run on the workers you start"))
    }

    @Test("--help documents the exit codes")
    func help() throws {
        let result = try CLI().run("import", "--help")
        #expect(result.stdout.contains("Exit codes:"))
        #expect(result.stdout.contains("3    the good rows were imported, some rows were rejected"))
        #expect(result.stdout.contains("130  cancelled by Ctrl+C or SIGTERM; nothing was imported"))
    }
}

@Suite("Progress")
struct ProgressTests {
    static func bigFile(_ cli: CLI, rows: Int) throws -> String {
        var text = "id,name\n"
        for index in 0..<rows { text += "\(index),name \(index)\n" }
        return try cli.write("big.csv", text)
    }

    @Test("off a terminal: plain progress lines, then the summary with rows read, imported, rejected, time, rate, target")
    func plainLines() throws {
        let cli = try CLI()
        let result = try cli.run("import", try Self.bigFile(cli, rows: 50_000), "--progress-interval", "0")
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count >= 2)
        #expect(lines.allSatisfy { $0.hasPrefix("progress: ") && $0.contains(" rows, ") && $0.contains(" rows/s") })
        #expect(result.stdout.hasPrefix("imported 50,000 of 50,000 rows into big (sluice.db) in "))
        #expect(result.stdout.contains(" rows/s; 0 rejected; job 1"))
    }

    @Test("on a terminal: a live bar with percent and ETA, cleared at the end")
    func terminalBar() throws {
        let cli = try CLI()
        let file = try Self.bigFile(cli, rows: 300_000)
        // script(1) gives the command a pseudo-terminal, as a user's shell would.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qefc", "\(CLI.binary) import \(file) --db \(cli.path("tty.db"))", "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let screen = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(screen)")
        #expect(screen.contains("\r\u{1B}[K"))
        #expect(screen.contains("%") && screen.contains("ETA") && screen.contains("█"))
        #expect(screen.contains("imported 300,000 of 300,000 rows"))
    }
}
