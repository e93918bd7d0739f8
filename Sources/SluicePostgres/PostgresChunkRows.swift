import Foundation
import PostgresNIO
import SluiceCore

/// Rows of `sluice.chunks`, written and read.
enum PostgresChunkRows {
    /// A job's planned chunks, queued, in one statement per 5,000 chunks.
    static func insert(_ chunks: [ChunkSpec], jobID: Int64, now: Date, in link: PostgresLink) throws {
        let perStatement = 65_535 / 7
        for start in stride(from: 0, to: chunks.count, by: perStatement) {
            var binds = PostgresBindings(capacity: 7 * min(perStatement, chunks.count - start))
            var values: [String] = []
            for chunk in chunks[start..<min(chunks.count, start + perStatement)] {
                let base = binds.count
                values.append("(" + (1...7).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
                binds.append(jobID)
                binds.append(Int32(chunk.index))
                binds.append(chunk.range?.start)
                binds.append(chunk.range?.end)
                binds.append(chunk.range.map { Int64($0.firstLine) })
                binds.append(chunk.bucketPath)
                binds.append(now)
            }
            try link.query(PostgresQuery(unsafeSQL: """
                INSERT INTO sluice.chunks (job_id, chunk_index, range_start, range_end, first_line, bucket_path, created_at)
                VALUES \(values.joined(separator: ", "))
                """, binds: binds))
        }
    }
}
