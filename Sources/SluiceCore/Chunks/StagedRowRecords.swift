/// Rejections for staged rows the target refused at a publish. The stage
/// keeps each row's values and input line, not its text, so the records are
/// read again from the input: only the chunks that hold a refused line, and
/// each only as far as its last refused line.
struct StagedRowRecords {
    let job: ChunkJob
    /// The job's chunks, in input order.
    let chunks: [Chunk]

    func rejections(for refusals: [StagedRowRefusal]) throws -> [Rejection] {
        var pending = refusals.sorted { $0.line < $1.line }[...]
        // A group stands for many rows: as in one pass, a refused group stops the import.
        if job.plan.aggregation != nil, let first = pending.first {
            throw ImportStop.groupRefused(file: job.request.input, line: first.line, table: job.plan.table, reason: first.error.message)
        }
        var found: [Rejection] = []
        for (index, chunk) in chunks.enumerated() {
            guard let first = pending.first else { break }
            let end = index + 1 < chunks.count ? chunks[index + 1].range?.firstLine ?? Int.max : Int.max
            guard first.line < end else { continue }
            let reader = try job.reader(for: chunk)
            reading: while let batch = try reader.nextBatch() {
                for record in batch.records {
                    while let next = pending.first, next.line < record.line {
                        found.append(Self.unread(next))
                        pending.removeFirst()
                    }
                    if let next = pending.first, next.line == record.line {
                        found.append(RowMapper.rejection(record, in: batch, decoder: job.decoder, errors: [next.error]))
                        pending.removeFirst()
                    }
                    if pending.first.map({ $0.line >= end }) ?? true { break reading }
                }
            }
        }
        return found + pending.map(Self.unread)
    }

    /// A line the input no longer has (it changed after the job was planned).
    private static func unread(_ refusal: StagedRowRefusal) -> Rejection {
        Rejection(line: refusal.line, byteOffset: 0, original: "(line \(refusal.line) could not be read again from the input)",
                  fields: [], errors: [refusal.error])
    }
}
