import Foundation

/// How an import went, for the summary line, `--json`, and the exit code.
public struct ImportOutcome: Sendable {
    /// The job's id; nil for a dry run, which records nothing.
    public var jobID: Int64?
    public var status: JobStatus
    public var counts: ImportCounts
    public var table: String
    public var target: String
    public var seconds: Double
    public var dryRun: Bool
    /// Why the import failed or was cancelled.
    public var failure: String?
    /// The first few rejected rows, to show right away.
    public var firstRejections: [Rejection]

    public var rowsPerSecond: Double { seconds > 0 ? Double(counts.rowsRead) / seconds : 0 }
}

/// Where an import is, reported after every batch.
public struct ImportProgress: Sendable {
    public var counts: ImportCounts
    /// Size of the input file (compressed size for `.gz`), when known.
    public var bytesTotal: Int64?
    public var seconds: Double
}

/// Why an import stopped that the user should hear as one line.
public enum ImportStop: Error, Sendable, CustomStringConvertible {
    case tooManyErrors(rejected: Int, limit: Int, line: Int)
    case errorRatio(rejected: Int, read: Int, limit: Double)
    /// The table refused a group of an aggregating import (a constraint of
    /// its own); a group stands for many rows, so the import stops.
    case groupRefused(file: String, line: Int, table: String, reason: String)

    public var description: String {
        switch self {
        case let .tooManyErrors(rejected, limit, line):
            return "error budget exceeded: \(rejected) rows rejected by line \(line), more than --max-errors \(limit); nothing was imported"
        case let .errorRatio(rejected, read, limit):
            let share = read == 0 ? 0 : Double(rejected) / Double(read)
            return String(format: "error budget exceeded: %d of %d rows rejected (%.2f%%), more than --max-error-ratio %g; nothing was imported",
                          rejected, read, share * 100, limit)
        case let .groupRefused(file, line, table, reason):
            return "\(file): line \(line): table '\(table)' refused the group whose first row is on this line: \(reason); nothing was imported"
        }
    }
}
