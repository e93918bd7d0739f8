import Foundation

/// The two phases of an import: one reader thread cuts the input into
/// batches, N worker threads map them in parallel, and the caller's thread
/// consumes the results in input order (it is the one writer).
///
/// The reader and the workers never touch the database; the consumer never
/// parses. Queues between them are bounded, so memory stays flat.
public final class ImportPipeline {
    private let reader: any RecordReader
    private let mapper: RowMapper
    private let workers: Int
    private let cancellation: CancellationFlag
    private let encoder: (any BatchEncoder)?

    public init(reader: any RecordReader, mapper: RowMapper, workers: Int, cancellation: CancellationFlag,
                encoder: (any BatchEncoder)? = nil) {
        self.reader = reader
        self.mapper = mapper
        self.workers = max(1, workers)
        self.cancellation = cancellation
        self.encoder = encoder
    }

    /// Runs the import, calling `consume` for each mapped batch in input
    /// order on the calling thread. Throws the first error of the reader or
    /// of `consume`, or `CancellationError` when the flag is set; either way
    /// every thread has stopped when it returns.
    public func run(consume: (MappedBatch) throws -> Void) throws {
        let input = WorkQueue<RecordBatch>(capacity: workers * 2)
        let output = ReorderBuffer<MappedBatch>(window: workers * 3)
        let threads = DispatchGroup()
        let reader = UncheckedBox(self.reader)
        let mapper = self.mapper, encoder = self.encoder
        let cancellation = self.cancellation

        startThread(group: threads, name: "sluice-reader") {
            var count = 0
            do {
                while !cancellation.isCancelled, let batch = try reader.value.nextBatch() {
                    guard input.put(batch) else { break }
                    count += 1
                }
            } catch {
                output.put(count, .failure(error))
                count += 1
            }
            output.finish(count: count)
            input.close()
        }
        for index in 0..<workers {
            startThread(group: threads, name: "sluice-worker-\(index)") {
                while let batch = input.take() {
                    if cancellation.isCancelled { continue }
                    var mapped = mapper.map(batch)
                    if let encoder { mapped.encoded = encoder.encode(mapped) }
                    guard output.put(batch.sequence, .success(mapped)) else { break }
                }
            }
        }
        defer {
            input.close()
            output.abandon()
            threads.wait()
        }
        while let result = output.takeNext(stop: { cancellation.isCancelled }) {
            if cancellation.isCancelled { throw CancellationError() }
            try consume(try result.get())
        }
        if cancellation.isCancelled { throw CancellationError() }
    }

    private func startThread(group: DispatchGroup, name: String, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            Self.yieldToWriter()
            body()
            group.leave()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }
}

extension ImportPipeline {
    /// Lowers the calling thread's priority (Linux keeps a nice value per
    /// thread). The reader and the mappers are throughput work; the writer
    /// thread, the network thread and a database server on the same host
    /// each wait on a reply or keep a COPY going, and every moment they
    /// wait for a core the whole import waits.
    static func yieldToWriter() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 5)
        #endif
    }
}

/// Hands a non-Sendable object to exactly one other thread, which alone uses it.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
