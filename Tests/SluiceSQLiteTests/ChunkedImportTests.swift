import Foundation
import Testing
import SluiceCore
import SluiceSQLite
import SluiceTestSupport

@Suite("Chunked imports")
struct ChunkedImportTests {
    func checksum(_ driver: SQLiteDriver, _ table: String) throws -> [[String?]] { try tableChecksum(driver, table) }

    @Test("8 chunks, two at a time, give the same table, counts and rejects (with whole-file lines, in order) as one pass")
    func sameAsOnePass() throws {
        let scratch = try Scratch()
        let file = try scratch.write("plans.csv", TestImports.plans(rows: 200_000))
        let driver = try scratch.driver()
        let rejects = (whole: scratch.path("whole-rejects.csv"), chunked: scratch.path("chunked-rejects.csv"))
        let whole = try driver.importFile(file, rejects: rejects.whole) {
            $0.profile = try? plansProfile()
            $0.table = "whole"
        }
        let chunked = try driver.importFile(file, rejects: rejects.chunked) {
            $0.profile = try? plansProfile()
            $0.table = "chunked"
            $0.chunks = 8
        }
        #expect(chunked.status == .succeeded)
        #expect(chunked.counts == whole.counts)
        #expect(chunked.counts.rowsRejected > 0)
        #expect(try checksum(driver, "chunked") == checksum(driver, "whole"))
        let chunks = try driver.chunks.chunkList(jobID: try #require(chunked.jobID))
        #expect(chunks.count == 8 && chunks.allSatisfy { $0.status == .succeeded })
        #expect(chunks.map(\.counts.rowsRead).reduce(0, +) == 200_000)
        #expect(Set(chunks.compactMap(\.leaseOwner)).count == 2, "two chunk threads took the chunks")
        let lines = { (id: Int64?) throws -> [Int] in try driver.jobs.jobErrors(jobID: id ?? 0, limit: 10_000, offset: 0).map(\.line) }
        #expect(try lines(chunked.jobID) == lines(whole.jobID))
        // The rejects file collects the chunks' rejected rows in the input's order.
        #expect(try String(contentsOfFile: rejects.chunked, encoding: .utf8) == String(contentsOfFile: rejects.whole, encoding: .utf8))
        #expect(chunked.firstRejections == whole.firstRejections)
        #expect(try driver.existingColumns(of: "sluice_stage_\(chunked.jobID ?? 0)") == nil)
    }

    @Test("--concurrency 1 runs a foreground job's chunks one after another, on one thread")
    func oneAtATime() throws {
        let scratch = try Scratch()
        let file = try scratch.write("plans.csv", TestImports.plans(rows: 20_000))
        let driver = try scratch.driver()
        let outcome = try driver.importFile(file) {
            $0.chunks = 4
            $0.concurrency = 1
        }
        #expect(outcome.status == .succeeded)
        let chunks = try driver.chunks.chunkList(jobID: try #require(outcome.jobID))
        #expect(chunks.count == 4 && Set(chunks.compactMap(\.leaseOwner)).count == 1)
        #expect(try driver.count("plans") == 20_000 - outcome.counts.rowsRejected)
    }

    @Test("input whose bytes cannot be cut (another encoding, gzip, JSON) runs as one whole chunk")
    func decodedInputIsOneChunk() throws {
        let scratch = try Scratch()
        let file = try scratch.write("z.csv", "a\n1\n2\n")
        let driver = try scratch.driver()
        let outcome = try driver.importFile(file) {
            $0.chunks = 2
            $0.encoding = .latin1
        }
        #expect(outcome.status == .succeeded)
        let chunks = try driver.chunks.chunkList(jobID: try #require(outcome.jobID))
        #expect(chunks.count == 1 && chunks[0].range == nil)
        #expect(try driver.rows("SELECT group_concat(a) FROM z") == [["1,2"]])
    }
}
