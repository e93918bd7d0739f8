import Foundation

/// The chunked path: the input is cut into byte ranges at record starts,
/// each range is claimed under a lease and written to the job's stage in a
/// transaction of its own, and the stage is published at the end in one
/// transaction. Until the publish, the target is untouched.
extension ImportEngine {
    func executeChunked(_ run: JobRun, _ input: PreparedInput, _ request: ImportRequest, _ cancellation: CancellationFlag,
                        progress: (ImportCounts) -> Void) -> (JobStatus, String?) {
        guard let jobID = run.jobID else { return (.failed, "a chunked import needs a job") }
        var session: (any ImportSession)?
        do {
            let dialect = try chunkableDialect(input, request)
            let ranges = try RangePlanner.ranges(path: request.input, dialect: dialect, count: request.chunks, cancellation: cancellation)
            try driver.chunks.chunkInsertMany(jobID: jobID, chunks: ranges.enumerated().map { ChunkSpec(index: $0, range: $1) }, now: now())
            run.countBytesOutsideChunks(ranges.first?.start ?? 0)
            let owner = "engine-job-\(jobID)"
            let decoder = FieldDecoder(quote: dialect.quote, emptyQuotedIsNull: request.emptyQuotedIsNull)
            // This engine runs every chunk itself, so its lease only has to outlast the import.
            while let chunk = try driver.chunks.chunkClaim(ChunkClaimParams(owner: owner, now: now(), lease: 86_400, jobID: jobID)),
                  let range = chunk.range {
                let before = run.counts
                run.startChunk()
                let opened = try driver.makeStageSession(jobID: jobID)
                session = opened
                try opened.begin(plan: run.plan)
                let reader = try RangePlanner.reader(path: request.input, range: range, dialect: dialect)
                try ImportPipeline(reader: reader, mapper: RowMapper(plan: run.plan, decoder: decoder),
                                   workers: request.workers, cancellation: cancellation).run { batch in
                    try run.absorb(batch, rejectedByDatabase: try opened.write(batch))
                    progress(run.counts)
                }
                try opened.commit(widened: run.widened, finishing: .chunk(ChunkFinishParams(
                    id: chunk.id, owner: owner, status: .succeeded, counts: run.counts.since(before), now: now())))
                session = nil
            }
            try run.checkRatio()
            guard let finish = run.finish(.succeeded, now: now()) else { return (.failed, "a chunked import needs a job") }
            try driver.publish(PublishParams(jobID: jobID, plan: run.plan, widened: run.widened, finish: finish, rejections: run.spool))
            return (.succeeded, nil)
        } catch {
            session?.rollback()
            try? driver.dropStage(jobID: jobID)
            _ = try? driver.chunks.chunkCancelUnfinished(jobID: jobID, now: now())
            return recordFailure(error, of: run)
        }
    }

    /// Byte ranges point into the file as it is on disk, so chunks need a
    /// plain (not gzipped) UTF-8 CSV or TSV.
    private func chunkableDialect(_ input: PreparedInput, _ request: ImportRequest) throws -> CSVDialect {
        guard let dialect = input.dialect, input.positional, !input.decoded else {
            throw InputError(file: request.input, problem: "--chunks needs a plain UTF-8 CSV or TSV file (not JSON, gzip or another encoding); import it without --chunks")
        }
        return dialect
    }
}

extension ImportCounts {
    /// What was counted since `earlier`.
    func since(_ earlier: ImportCounts) -> ImportCounts {
        ImportCounts(rowsRead: rowsRead - earlier.rowsRead, rowsImported: rowsImported - earlier.rowsImported,
                     rowsRejected: rowsRejected - earlier.rowsRejected, bytesRead: bytesRead - earlier.bytesRead)
    }
}
