import Foundation
import Testing
import SluiceCore

/// One-pass imports through the engine, the same test bodies for every driver.
@Suite("Imports, on every driver")
struct ImportConformanceTests {
    /// A directory for one test's input files.
    final class Files {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-import-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }

        func write(_ name: String, _ text: String) throws -> String {
            let path = url.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    func run(_ driver: DriverUnderTest, _ path: String, _ configure: (inout ImportRequest) -> Void = { _ in }) throws -> ImportOutcome {
        var request = ImportRequest(input: path, workers: 2)
        configure(&request)
        return try ImportEngine(driver: driver.driver).run(request)
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the sample plans with their profile: the same counts, rejects and sums on every driver", arguments: DriverKind.allCases)
    func plans(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let profile = try ProfileLoader.load(path: Self.repository.appendingPathComponent("profiles/plans.yaml").path)
        let outcome = try run(driver, Self.repository.appendingPathComponent("examples/plans.csv").path) { $0.profile = profile }
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts.rowsRead == 1000 && outcome.counts.rowsImported == 999 && outcome.counts.rowsRejected == 1)
        #expect(try driver.rows("""
            SELECT CAST(COUNT(*) AS TEXT), CAST(SUM(node_id) AS TEXT), CAST(SUM(start) AS TEXT),
                   CAST(CAST(ROUND(SUM(invoice_amount) * 100) AS BIGINT) AS TEXT), CAST(COUNT(note) AS TEXT),
                   CAST(SUM(LENGTH(note)) AS TEXT), CAST(COUNT(DISTINCT gpu_class) AS TEXT)
            FROM plans
            """) == [["999", "99750262", "1733461709280", "48089316", "635", "40245", "4"]])
        let jobID = try #require(outcome.jobID)
        let job = try #require(try driver.jobs.jobGet(id: jobID))
        #expect(job.status == .succeeded && job.rowsImported == 999 && job.progress == 100)
        #expect(try driver.jobs.jobErrors(jobID: job.id, limit: 10, offset: 0).map(\.line) == [613])
    }

    @Test("rows the table's own UNIQUE, CHECK and NOT NULL refuse are rejected with their line; the rest land", arguments: DriverKind.allCases)
    func constraints(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        try driver.execute("CREATE TABLE t (id BIGINT UNIQUE, qty BIGINT CHECK (qty >= 0), name TEXT NOT NULL)")
        let file = try files.write("t.csv", "id,qty,name\n1,5,a\n2,-1,b\n1,3,c\n4,1,\n5,2,e\n")
        let outcome = try run(driver, file) { $0.table = "t" }
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts.rowsImported == 2 && outcome.counts.rowsRejected == 3)
        #expect(try driver.rows("SELECT CAST(id AS TEXT), name FROM t ORDER BY id") == [["1", "a"], ["5", "e"]])
        let errors = try driver.jobs.jobErrors(jobID: try #require(outcome.jobID), limit: 10, offset: 0)
        #expect(errors.map(\.line) == [3, 4, 5])
        #expect(errors.allSatisfy { $0.kind == .constraint })
        #expect(errors[0].message.lowercased().contains("check") && errors[1].message.lowercased().contains("unique"))
        #expect(errors[2].message.lowercased().contains("not") && errors[2].message.lowercased().contains("null"))
    }

    @Test("150,000 rows with two refused deep inside: exactly those two are rejected, with their lines, and the counts add up", arguments: DriverKind.allCases)
    func refusedRowsInALongImport(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        try driver.execute("CREATE TABLE big (id BIGINT UNIQUE, v TEXT)")
        var text = "id,v\n"
        for id in 0..<150_000 { text += "\(id == 100_000 ? 7 : id == 140_000 ? 99_999 : id),v\(id)\n" }
        let outcome = try run(driver, try files.write("big.csv", text)) { $0.table = "big" }
        #expect(outcome.status == .succeeded)
        #expect(outcome.counts.rowsRead == 150_000 && outcome.counts.rowsImported == 149_998 && outcome.counts.rowsRejected == 2)
        let jobID = try #require(outcome.jobID)
        #expect(try driver.jobs.jobErrors(jobID: jobID, limit: 10, offset: 0).map(\.line) == [100_002, 140_002])
        #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT), CAST(SUM(id) AS TEXT) FROM big") ==
                [["149998", String((0..<150_000).reduce(0, +) - 100_000 - 140_000)]])
        #expect(outcome.firstRejections.map(\.line) == [100_002, 140_002])
    }

    @Test("an upsert by key, run twice, gives the same table; the last row of a key in the file wins", arguments: DriverKind.allCases)
    func upsertTwice(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        var text = "id,v\n"
        for line in 0..<3_000 { text += "\(line % 1000),v\(line)\n" }
        let file = try files.write("u.csv", text)
        for _ in 0..<2 {
            let outcome = try run(driver, file) {
                $0.mode = .upsert
                $0.key = ["id"]
                $0.table = "u"
            }
            #expect(outcome.status == .succeeded && outcome.counts.rowsImported == 3_000)
            #expect(try driver.rows("SELECT CAST(COUNT(*) AS TEXT) FROM u") == [["1000"]])
            #expect(try driver.rows("SELECT v FROM u WHERE id IN (0, 999) ORDER BY id") == [["v2000"], ["v2999"]])
        }
    }

    @Test("replace empties the table first; a failed import leaves it as it was", arguments: DriverKind.allCases)
    func replaceAndFailure(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        _ = try run(driver, try files.write("r.csv", "id,name\n1,old\n2,old\n")) { $0.table = "r" }
        let replaced = try run(driver, try files.write("r2.csv", "id,name\n3,new\n")) {
            $0.table = "r"
            $0.mode = .replace
        }
        #expect(replaced.status == .succeeded)
        #expect(try driver.rows("SELECT CAST(id AS TEXT), name FROM r") == [["3", "new"]])
        let failed = try run(driver, try files.write("r3.csv", "id,name\n4,x\nnot a number,y\n5,z\n")) {
            $0.table = "r"
            $0.mode = .replace
            $0.maxErrors = 0
        }
        #expect(failed.status == .failed)
        #expect(try driver.rows("SELECT CAST(id AS TEXT), name FROM r") == [["3", "new"]], "the replace and the rows before the failure were rolled back")
    }

    @Test("a new table's column sniffed as integer takes a later decimal value: the column is widened, nothing is rejected", arguments: DriverKind.allCases)
    func widening(_ kind: DriverKind) throws {
        guard let driver = try DriverUnderTest.make(kind) else { return }
        let files = try Files()
        var text = "id,amount\n"
        for line in 0..<5_000 { text += "\(line),\(line)\n" }
        text += "5000,12.75\n"
        let file = try files.write("w.csv", text)
        let outcome = try run(driver, file) { $0.sampleBytes = 4096 }
        #expect(outcome.status == .succeeded && outcome.counts.rowsImported == 5_001 && outcome.counts.rowsRejected == 0)
        #expect(try driver.rows("SELECT CAST(amount * 4 AS TEXT) FROM w WHERE id = 5000") == [["51.0"]] ||
                driver.rows("SELECT CAST(amount * 4 AS TEXT) FROM w WHERE id = 5000") == [["51"]])
        #expect(try driver.rows("SELECT CAST(SUM(amount) AS TEXT) FROM w WHERE id < 3") == [["3"]] ||
                driver.rows("SELECT CAST(SUM(amount) AS TEXT) FROM w WHERE id < 3") == [["3.0"]])
    }
}

/// What PostgreSQL alone says: the server names the missing key (SQLite says only "FOREIGN KEY constraint failed").
@Suite("Imports into PostgreSQL")
struct PostgresImportTests {
    @Test("a row whose foreign key has no parent is rejected with its line and the server's detail")
    func foreignKey() throws {
        guard let driver = try DriverUnderTest.make(.postgres) else { return }
        let files = try ImportConformanceTests.Files()
        try driver.execute("CREATE TABLE regions (code TEXT PRIMARY KEY)")
        try driver.execute("INSERT INTO regions VALUES ('eu'), ('us')")
        try driver.execute("CREATE TABLE t (id BIGINT, region TEXT REFERENCES regions (code))")
        let file = try files.write("t.csv", "id,region\n1,eu\n2,xx\n3,us\n")
        let outcome = try ImportEngine(driver: driver.driver).run(ImportRequest(input: file, table: "t", workers: 2))
        #expect(outcome.counts.rowsImported == 2 && outcome.counts.rowsRejected == 1)
        let jobID = try #require(outcome.jobID)
        let error = try #require(try driver.jobs.jobErrors(jobID: jobID, limit: 10, offset: 0).first)
        #expect(error.line == 3 && error.kind == .constraint)
        #expect(error.message.contains("foreign key") && error.message.contains("Key (region)=(xx) is not present"))
    }
}
