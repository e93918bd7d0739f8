import Foundation
import SluiceCore

/// Sluice on PostgreSQL: the control tables in schema `sluice` (created or
/// brought up to date by migrations when the driver opens), target tables
/// in the connection's own schema.
///
/// Issue 4 builds this driver up to the SQLite driver's protocols in
/// steps; so far it has the job and chunk stores. Import sessions (COPY), chunks,
/// locks and the publish follow, and until then the CLI does not offer
/// `--db postgres://`.
public final class PostgresDriver: Sendable {
    public let url: PostgresURL
    public let jobs: any JobStore
    public let chunks: any ChunkStore
    let link: PostgresLink

    public init(url: PostgresURL) throws {
        self.url = url
        link = try PostgresLink.connect(url)
        do {
            try PostgresMigrations.migrate(link)
        } catch {
            link.close()
            throw error
        }
        jobs = PostgresJobStore(link: link)
        chunks = PostgresChunkStore(link: link)
    }

    /// Where the data lands, for messages: never the password.
    public var targetDescription: String { url.redacted }

    public func close() {
        link.close()
    }
}
