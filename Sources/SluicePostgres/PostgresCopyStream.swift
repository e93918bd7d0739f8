import Dispatch
import NIOCore
import PostgresNIO

/// One `COPY … FROM STDIN` kept open while the caller sends it data, batch
/// after batch: the server parses and stores rows while the client reads
/// and maps the next ones, instead of each side waiting for the other.
///
/// The caller's thread holds the link for the stream's whole life (nothing
/// else may run on the connection meanwhile) and learns how it went at
/// `finish`, which waits for the server's answer.
final class PostgresCopyStream {
    private let link: PostgresLink
    private let continuation: AsyncStream<ByteBuffer>.Continuation
    private let outcome = Outcome()
    private let finished = DispatchSemaphore(value: 0)
    private var open = true

    /// How the COPY ended, written by its task before the semaphore is signalled.
    private final class Outcome: @unchecked Sendable {
        var error: (any Error)?
    }

    private let binary: Bool

    /// `binary`: the stream carries binary COPY tuples (`PostgresBinaryCopy`);
    /// it sends the format's header now and its trailer at `finish`.
    init(link: PostgresLink, table: PostgresTableName, columns: [String], binary: Bool = false) throws {
        self.link = link
        self.binary = binary
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        self.continuation = continuation
        try link.copyStreaming(into: table, columns: columns, binary: binary, stream: stream,
                               outcome: { [outcome] in outcome.error = $0 }, finished: finished)
        if binary { send(ByteBuffer(bytes: PostgresBinaryCopy.header)) }
    }

    /// Queues rows (text COPY format) for the server.
    func send(_ data: ByteBuffer) {
        continuation.yield(data)
    }

    /// Ends the data and waits for the server: throws what it refused.
    func finish() throws {
        guard open else { return }
        open = false
        if binary { continuation.yield(ByteBuffer(bytes: PostgresBinaryCopy.trailer)) }
        continuation.finish()
        finished.wait()
        link.endStreaming()
        if let error = outcome.error { throw PostgresDriverError(url: link.url, error) }
    }

    deinit {
        // A stream dropped without `finish` still ends its COPY and frees the link.
        if open { try? finish() }
    }
}
