import Foundation

/// What the threads running a foreground job's chunks share: the counts of
/// the chunks that succeeded and of those still running, each chunk's
/// rejected rows, and how the run ended (the first ending wins).
final class ChunkBoard: @unchecked Sendable {  // all state is guarded by `lock`
    /// How the chunk threads ended the run.
    enum Ending {
        case published
        /// The run was cancelled; a chunk went back to the queue.
        case released
        case stopped(ChunkStopped)
        case failed(chunk: Int, message: String)
        /// The database failed outside of a chunk (a claim).
        case error(any Error)
    }

    private let lock = NSLock()
    private var done: ImportCounts
    private var running: [Int: ImportCounts] = [:]
    private var rejections: [Int: RejectionSpool] = [:]
    /// The staged rows the target refused at the publish, in input order.
    private var refused: [Rejection] = []
    private var ending: Ending?

    /// `headerBytes`: the input read before the first chunk.
    init(headerBytes: Int64) {
        done = ImportCounts(bytesRead: headerBytes)
    }

    /// The succeeded and running chunks' counts, for progress.
    var progress: ImportCounts { lock.withLock { running.values.reduce(done) { $0.adding($1) } } }

    var ended: Ending? { lock.withLock { ending } }

    func update(chunk: Int, counts: ImportCounts) {
        lock.withLock { running[chunk] = counts }
    }

    func succeeded(chunk: Int, counts: ImportCounts) {
        lock.withLock {
            running[chunk] = nil
            done = done.adding(counts)
        }
    }

    /// Keeps the rows a chunk rejected, however it ended (a failed job
    /// reports them too). A foreground job runs each chunk once.
    func keep(rejections spool: RejectionSpool, of chunk: Int) {
        lock.withLock { rejections[chunk] = spool }
    }

    /// The rows the target refused at the publish: rejected, no longer imported.
    func refusedAtPublish(_ rows: [Rejection]) {
        lock.withLock {
            refused = rows
            done.rowsImported -= rows.count
            done.rowsRejected += rows.count
        }
    }

    /// Ends the run, unless another thread ended it first.
    func end(_ how: Ending) {
        lock.withLock {
            if ending == nil { ending = how }
        }
    }

    /// Every chunk's rejected rows, in chunk order (the input's order, for
    /// byte ranges), with the rows refused at the publish merged in by
    /// line, into `spool`.
    func collectRejections(into spool: RejectionSpool) throws {
        let (ordered, refused) = lock.withLock { (rejections.sorted { $0.key < $1.key }.map(\.value), self.refused) }
        var next = refused[...]
        for chunk in ordered {
            try chunk.forEachChunk {
                for rejection in $0 {
                    while let first = next.first, first.line < rejection.line { try spool.append(next.removeFirst()) }
                    try spool.append(rejection)
                }
            }
        }
        for rejection in next { try spool.append(rejection) }
    }
}
