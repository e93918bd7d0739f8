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

    static func chunk(_ row: PostgresRow) throws -> Chunk {
        let r = row.makeRandomAccess()
        let start = try r["range_start"].decode(Int64?.self), end = try r["range_end"].decode(Int64?.self)
        let line = try r["first_line"].decode(Int64?.self)
        let range = start.flatMap { start in end.map { ByteRange(start: start, end: $0, firstLine: Int(line ?? 1)) } }
        let date = { (milliseconds: Int64) in Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
        return Chunk(
            id: try r["id"].decode(Int64.self), jobID: try r["job_id"].decode(Int64.self),
            index: Int(try r["chunk_index"].decode(Int32.self)), range: range, bucketPath: try r["bucket_path"].decode(String?.self),
            status: JobStatus(rawValue: try r["status"].decode(String.self)) ?? .failed, attempts: Int(try r["attempts"].decode(Int32.self)),
            leaseOwner: try r["lease_owner"].decode(String?.self), leaseExpiresAt: try r["lease_expires_ms"].decode(Int64?.self).map(date),
            heartbeatAt: try r["heartbeat_ms"].decode(Int64?.self).map(date),
            counts: ImportCounts(rowsRead: Int(try r["rows_read"].decode(Int64.self)), rowsImported: Int(try r["rows_imported"].decode(Int64.self)),
                                 rowsRejected: Int(try r["rows_rejected"].decode(Int64.self))),
            rescueCount: Int(try r["rescue_count"].decode(Int32.self)), error: try r["error"].decode(String?.self))
    }
}
