import Foundation
import Testing
import SluiceCore
import SluiceSQLite
import SluiceTestSupport

/// Imports whose profile aggregates (`aggregate:`), in one pass and chunked
/// by the `hash` strategy. The plans file puts node `id % 5000` on row `id`,
/// so the rows of every node are scattered all over the file: byte ranges
/// would give each node to several chunks.
@Suite("Aggregating imports")
struct AggregateImportTests {
    /// Imports the file plainly into `raw` and aggregated into `table`.
    func importBoth(_ file: String, driver: SQLiteDriver, table: String,
                    configure: (inout ImportRequest) -> Void = { _ in }) throws -> (plain: ImportOutcome, aggregated: ImportOutcome) {
        let plain = try driver.importFile(file) {
            $0.profile = try? plansProfile()
            $0.table = "raw"
        }
        let aggregated = try driver.importFile(file) {
            $0.profile = try? nodeUsageProfile()
            $0.table = table
            configure(&$0)
        }
        return (plain, aggregated)
    }

    func errorLines(_ driver: SQLiteDriver, _ id: Int64?) throws -> [Int] {
        try driver.jobs.jobErrors(jobID: id ?? 0, limit: 10_000, offset: 0).map(\.line)
    }

    @Test("one pass: one row per node, equal to SQL's GROUP BY over the plain import, with the same rejects")
    func onePass() throws {
        let scratch = try Scratch()
        let file = try scratch.write("plans.csv", TestImports.plans(rows: 30_000))
        let driver = try scratch.driver()
        let (plain, aggregated) = try importBoth(file, driver: driver, table: "usage")
        #expect(aggregated.status == .succeeded)
        #expect(aggregated.counts == plain.counts)
        #expect(try driver.count("usage") == 5000)
        #expect(try nodeUsage(driver, "usage") == nodeUsageExpected(driver, raw: "raw"))
        #expect(try errorLines(driver, aggregated.jobID) == errorLines(driver, plain.jobID))
        // Groups come in the order of their first good rows.
        #expect(try driver.rows("SELECT group_concat(node_id) FROM usage")
                == driver.rows("SELECT group_concat(node_id) FROM (SELECT node_id FROM raw GROUP BY node_id ORDER BY min(rowid))"))
    }

    @Test("--chunks 4 partitions by the hash of node_id: every node aggregated exactly once, as in one pass")
    func hashChunks() throws {
        let scratch = try Scratch()
        let file = try scratch.write("plans.csv", TestImports.plans(rows: 30_000))
        let driver = try scratch.driver()
        let (plain, chunked) = try importBoth(file, driver: driver, table: "chunked") { $0.chunks = 4 }
        #expect(chunked.status == .succeeded, "\(chunked.failure ?? "")")
        #expect(chunked.counts.rowsRead == plain.counts.rowsRead)
        #expect(chunked.counts.rowsRejected == plain.counts.rowsRejected)
        #expect(try driver.rows("SELECT count(*), count(DISTINCT node_id), sum(plans) FROM chunked")
                == [["5000", "5000", String(plain.counts.rowsImported)]])
        #expect(try nodeUsage(driver, "chunked") == nodeUsageExpected(driver, raw: "raw"))
        let chunks = try driver.chunks.chunkList(jobID: try #require(chunked.jobID))
        #expect(chunks.map(\.bucketPath) == (0..<4).map { BucketFile.names(index: $0).data })
        #expect(chunks.allSatisfy { $0.status == .succeeded && $0.counts.rowsRead > 0 && $0.range == nil })
        // Rejects keep their lines in the whole file, though each bucket holds rows from all over it.
        #expect(try errorLines(driver, chunked.jobID).sorted() == errorLines(driver, plain.jobID))
        // And the groups are in the order of their first rows, as in one pass.
        _ = try driver.importFile(file) {
            $0.profile = try? nodeUsageProfile()
            $0.table = "one_pass"
        }
        #expect(try driver.rows("SELECT group_concat(node_id) FROM chunked") == driver.rows("SELECT group_concat(node_id) FROM one_pass"))
        #expect(try driver.existingColumns(of: "sluice_stage_\(chunked.jobID ?? 0)") == nil)
    }

    @Test("a row whose sum would overflow is rejected on its own line; its group keeps the other rows")
    func overflowRejectsTheRow() throws {
        let scratch = try Scratch()
        let file = try scratch.write("bytes.csv", "host,bytes\na,9223372036854775807\nb,5\na,1\na,-7\n")
        let profile = try ProfileLoader.parse(yaml: """
            columns:
              host: {type: text}
              bytes: {type: integer}
            aggregate:
              by: [host]
              columns: {rows: count, total: sum(bytes)}
            """, file: "traffic.yaml")
        let driver = try scratch.driver()
        for chunks in [1, 2] {
            let outcome = try driver.importFile(file) {
                $0.profile = profile
                $0.table = "traffic_\(chunks)"
                $0.chunks = chunks
            }
            #expect(outcome.status == .succeeded)
            #expect(outcome.counts.rowsRejected == 1)
            #expect(try driver.rows("SELECT host, rows, total FROM traffic_\(chunks) ORDER BY host")
                    == [["a", "2", "9223372036854775800"], ["b", "1", "5"]])
            let errors = try driver.jobs.jobErrors(jobID: try #require(outcome.jobID), limit: 10, offset: 0)
            #expect(errors.map(\.line) == [4])
            #expect(errors.first?.kind == .aggregate)
            #expect(errors.first?.original == "a,1")
            #expect(errors.first?.message.contains("overflows a 64-bit integer in the group host = a") == true)
        }
    }

    @Test("an aggregating upsert (keyed by its by columns) run twice, chunked, gives the same table")
    func upsertTwice() throws {
        let scratch = try Scratch()
        let file = try scratch.write("plans.csv", TestImports.plans(rows: 12_000))
        let driver = try scratch.driver()
        _ = try driver.importFile(file) {
            $0.profile = try? plansProfile()
            $0.table = "raw"
        }
        var tables: [[[String?]]] = []
        for _ in 0..<2 {
            let outcome = try driver.importFile(file) {
                $0.profile = try? nodeUsageProfile()
                $0.mode = .upsert
                $0.chunks = 3
            }
            #expect(outcome.status == .succeeded, "\(outcome.failure ?? "")")
            tables.append(try nodeUsage(driver, "node_usage"))
        }
        #expect(try tables[0] == nodeUsageExpected(driver, raw: "raw"))
        #expect(tables[0] == tables[1])
    }

    @Test("a group the table refuses stops the import with the group's first line, and nothing is imported")
    func refusedGroup() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        try driver.execute("CREATE TABLE totals (host TEXT, total INTEGER CHECK (total < 100))")
        let file = try scratch.write("t.csv", "host,bytes\nsmall,5\nbig,70\nbig,70\n")
        let profile = try ProfileLoader.parse(yaml: """
            columns: {host: {type: text}, bytes: {type: integer}}
            aggregate: {by: [host], columns: {total: sum(bytes)}}
            """, file: "t.yaml")
        let outcome = try driver.importFile(file) {
            $0.profile = profile
            $0.table = "totals"
        }
        #expect(outcome.status == .failed)
        #expect(outcome.failure?.contains("t.csv: line 3: table 'totals' refused the group whose first row is on this line") == true)
        #expect(try driver.count("totals") == 0)
    }

    @Test("an aggregate over a column the profile lacks is a plan error naming it")
    func unknownColumn() throws {
        let profile = try ProfileLoader.parse(yaml: """
            columns: {host: {type: text}, bytes: {type: integer}}
            aggregate: {by: [host], columns: {total: sum(bytes)}}
            """, file: "t.yaml")
        var spec = try #require(profile.aggregate)
        spec.by = ["nowhere"]
        var broken = profile
        broken.aggregate = spec
        let scratch = try Scratch()
        let file = try scratch.write("t.csv", "host,bytes\na,1\n")
        #expect(throws: PlanError.self) {
            _ = try scratch.driver().importFile(file) { $0.profile = broken }
        }
    }
}
