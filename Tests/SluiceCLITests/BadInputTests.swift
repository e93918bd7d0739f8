import Foundation
import Testing

/// Bad input of every kind: one line naming the file, the line and the
/// problem; exit 1 (or 3 when only some rows are bad); never a crash.
@Suite("Bad input gets one clear line")
struct BadInputTests {
    /// Runs an import that must fail as a whole and returns its one stderr line.
    func failure(_ cli: CLI, _ arguments: String...) throws -> String {
        let result = try cli.run(["import"] + arguments)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        return String(lines.first ?? "")
    }

    @Test("a missing file")
    func missingFile() throws {
        let cli = try CLI()
        #expect(try failure(cli, cli.path("nope.csv")) == "sluice: \(cli.path("nope.csv")): no such file")
    }

    @Test("a directory")
    func directory() throws {
        let cli = try CLI()
        #expect(try failure(cli, cli.directory.path) == "sluice: \(cli.directory.path): is a directory, not a file")
    }

    @Test("an empty file")
    func emptyFile() throws {
        let cli = try CLI()
        let file = try cli.write("empty.csv", "")
        #expect(try failure(cli, file) == "sluice: \(file): the file is empty")
    }

    @Test("a header-only file")
    func headerOnly() throws {
        let cli = try CLI()
        let file = try cli.write("h.csv", "id,name\n")
        #expect(try failure(cli, file) == "sluice: \(file): line 1: the file has a header but no data rows; nothing to import")
    }

    @Test("a binary file")
    func binaryFile() throws {
        let cli = try CLI()
        let file = try cli.write("b.csv", bytes: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00, 0x10])
        #expect(try failure(cli, file).contains("\(file): this looks like a binary file (a NUL byte at offset 6)"))
    }

    @Test("an unterminated quote at the end of the file fails the job and imports nothing")
    func unterminatedQuote() throws {
        let cli = try CLI()
        let file = try cli.write("q.csv", "a,b\n1,2\n3,\"open\n4,5\n")
        // A sample smaller than the file: the sniffer cannot see the end, the import meets it.
        #expect(try failure(cli, file, "--sample-size", "10") == "sluice: \(file): line 3: unterminated quoted field: the quote opened on this line never closes before the end of the file")
        #expect(try cli.sql("SELECT count(*) FROM sqlite_master WHERE name = 'q'") == "0")
        #expect(try cli.sql("SELECT status FROM sluice_jobs") == "failed")
    }

    @Test("duplicate header names")
    func duplicateHeaders() throws {
        let cli = try CLI()
        let file = try cli.write("d.csv", "id,name,ID\n1,a,2\n")
        #expect(try failure(cli, file) == "sluice: \(file): line 1: duplicate column name 'id' and 'ID' (columns 1 and 3)")
    }

    @Test("ragged rows are rejected with missing or extra column, the rest lands")
    func raggedRows() throws {
        let cli = try CLI()
        let file = try cli.write("r.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
        let result = try cli.run("import", file)
        #expect(result.status == 3)
        #expect(result.stderr.contains("line 3: expected 3 fields, found 2 (first missing: 'c')"))
        #expect(result.stderr.contains("line 4: expected 3 fields, found 4"))
        #expect(try cli.sql("SELECT group_concat(a) FROM r") == "1,10")
        #expect(try cli.sql("SELECT line, kind FROM sluice_job_errors ORDER BY line") == "3|missing_column\n4|extra_column")
    }

    @Test("invalid UTF-8 is a row error naming the line and the byte offset")
    func invalidUTF8() throws {
        let cli = try CLI()
        let file = try cli.write("u.csv", bytes: Array("a,b\n1,ok\n2,caf".utf8) + [0xE9] + Array("\n3,fine\n".utf8))
        let result = try cli.run("import", file)
        #expect(result.status == 3)
        #expect(result.stderr.contains("line 3: invalid UTF-8 in column 'b' at byte offset 14"))
        #expect(try cli.sql("SELECT kind, line, byte_offset FROM sluice_job_errors") == "encoding|3|9")
    }

    @Test("latin1 input converts with --encoding")
    func latin1() throws {
        let cli = try CLI()
        let file = try cli.write("l.csv", bytes: Array("a,b\n1,caf".utf8) + [0xE9] + [0x0A])
        #expect(try cli.run("import", file, "--encoding", "latin1").status == 0)
        #expect(try cli.sql("SELECT b FROM l") == "café")
    }

    @Test("UTF-16 with a byte order mark converts with --encoding utf-16")
    func utf16() throws {
        let cli = try CLI()
        let text = "a,b\n1,Zoë 😀\n"
        let file = try cli.write("w.csv", bytes: [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(try cli.run("import", file, "--encoding", "utf-16").status == 0)
        #expect(try cli.sql("SELECT b FROM w") == "Zoë 😀")
    }

    @Test("a .gz file is read transparently")
    func gzip() throws {
        let cli = try CLI()
        let file = try cli.write("z.csv", "a,b\n1,x\n2,y\n")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", file]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(try cli.run("import", file + ".gz").status == 0)
        #expect(try cli.sql("SELECT count(*) FROM z") == "2")
    }

    @Test("a database locked by another process: a clear error after the busy timeout")
    func lockedDatabase() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("t.csv", "a\n1\n"))
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute('BEGIN EXCLUSIVE')
            print('locked', flush=True)
            time.sleep(30)
            """, cli.path("sluice.db")]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        defer { holder.terminate() }
        _ = out.fileHandleForReading.availableData  // waits for "locked"
        let result = try cli.run(env: ["SLUICE_BUSY_TIMEOUT": "0.5"], ["import", try cli.write("t2.csv", "a\n2\n"), "--table", "t"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("sluice: sluice.db: database is locked"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a read-only database: a clear error, nothing changed")
    func readOnlyDatabase() throws {
        let cli = try CLI()
        _ = try cli.run("import", try cli.write("t.csv", "a\n1\n"))
        let result = try cli.run(asNobody: geteuid() == 0, readOnly: cli.path("sluice.db"),
                                 ["import", try cli.write("t2.csv", "a\n2\n"), "--table", "t"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("readonly") || result.stderr.contains("read-only") || result.stderr.contains("unable to open"),
                "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try cli.sql("SELECT count(*) FROM t") == "1")
    }
}
