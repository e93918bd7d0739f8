/// The mapped batches a chunk writes in one transaction. A commit is not
/// free (a lease check, a counts update, a write to the log), and with
/// several workers every commit is a hand-off of SQLite's one write lock;
/// readers cut batches of about 2,048 records, so a chunk gathers them up
/// to `rows` rows first. On 1,000,000 rows in 2 chunks, 2,048-row commits
/// took 2.52–2.85 s and 16,384-row ones 2.05–2.42 s; larger ones gained nothing.
struct BatchGroup {
    static let rows = 16_384
    private var batches: [MappedBatch] = []
    private var rowCount = 0

    var isEmpty: Bool { batches.isEmpty }
    var isFull: Bool { rowCount >= Self.rows }

    mutating func add(_ batch: MappedBatch) {
        batches.append(batch)
        rowCount += batch.recordsRead
    }

    /// The batches so far, in input order; the group is then empty.
    mutating func take() -> [MappedBatch] {
        defer { batches = []; rowCount = 0 }
        return batches
    }
}
