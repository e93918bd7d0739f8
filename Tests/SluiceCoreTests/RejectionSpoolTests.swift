import Testing
@testable import SluiceCore

@Suite("The rejection spool")
struct RejectionSpoolTests {
    @Test("rejections come back exactly, in order, across chunk and read boundaries, held in memory or spilled to a file",
          arguments: [(10_000, 16 << 20), (100, 16 << 20), (10_000, 300_000)])
    func roundTrip(heldLimit: Int, heldBytes: Int) throws {
        // The defaults hold all 1,500; the others spill by count, and at the one long row by size.
        let spool = try RejectionSpool(heldLimit: heldLimit, heldBytes: heldBytes)
        let long = String(repeating: "é,\"\n", count: 100_000)
        let written = (0..<1_500).map { index in
            Rejection(line: index * 2 + 1, byteOffset: Int64(index) * 1000,
                      original: index == 700 ? long : "row \(index), \"quoted\"",
                      fields: [String(index), nil, "", index % 3 == 0 ? "😀" : "x"],
                      errors: [RowError(kind: .cast, column: "a", value: nil, message: "bad \(index)"),
                               RowError(kind: .rule, column: nil, value: "r", message: "rule")])
        }
        for rejection in written { try spool.append(rejection) }
        #expect(spool.isOnDisk == (heldLimit < 1_500 || heldBytes < 1 << 20))
        var read: [Rejection] = []
        try spool.forEachChunk { read += $0 }
        #expect(read == written)
        #expect(spool.count == 1_500)
        #expect(spool.first == Array(written.prefix(10)))
        var again = 0
        try spool.forEachChunk { again += $0.count }
        #expect(again == 1_500)
        // More may come after a read (a rejects file is written before the job's errors).
        try spool.append(written[0])
        var last: Rejection?
        try spool.forEachChunk { last = $0.last }
        #expect(last == written[0] && spool.count == 1_501)
    }
}
