import ArgumentParser
import Foundation
import SluiceCore

struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List jobs, show one, or read the rows it rejected.",
        subcommands: [List.self, Show.self, Errors.self, Cancel.self, Retry.self, Cleanup.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Only jobs in this status: queued, running, succeeded, failed, cancelled.")
        var status: JobStatus?
        @Option(help: "How many jobs to show.")
        var limit = 50

        func run() throws {
            try reportingErrors {
                let jobs = try database.openDriver().jobs.jobList(status: status, limit: limit)
                guard !jobs.isEmpty else { print("no jobs\(status.map { " with status \($0.rawValue)" } ?? "")"); return }
                let rows = jobs.map { job in
                    [String(job.id), job.status.rawValue, "\(job.progress)%", job.table ?? "", Format.count(job.rowsRead), Format.count(job.rowsImported),
                     Format.count(job.rowsRejected), JobText.date(job.createdAt), job.source]
                }
                print(Table.render(header: ["id", "status", "done", "table", "read", "imported", "rejected", "created", "source"], rows: rows))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job's id.") var id: Int64

        func run() throws {
            try reportingErrors {
                let driver = try database.openDriver()
                guard let job = try driver.jobs.jobGet(id: id) else { throw CLIError("no job \(id)") }
                let chunks = try driver.chunks.chunkList(jobID: id)
                print(JobText.details(job, chunks: chunks))
                if !chunks.isEmpty { print(JobText.chunkTable(chunks)) }
            }
        }
    }

    struct Errors: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the rows a job rejected, with line, column and reason.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job's id.") var id: Int64
        @Flag(help: "Print CSV: line, byte_offset, column, value, kind, message, original.")
        var csv = false
        @Option(help: "At most this many errors (default: all).")
        var limit: Int?

        func run() throws {
            try reportingErrors {
                let store = try database.openDriver().jobs
                guard try store.jobGet(id: id) != nil else { throw CLIError("no job \(id)") }
                var writer = CSVWriter()
                if csv { writer.writeRow(["line", "byte_offset", "column", "value", "kind", "message", "original"]) }
                var offset = 0
                let page = 1000
                var remaining = limit ?? Int.max
                while remaining > 0 {
                    let errors = try store.jobErrors(jobID: id, limit: min(page, remaining), offset: offset)
                    if errors.isEmpty { break }
                    for error in errors {
                        if csv {
                            writer.writeRow([String(error.line), String(error.byteOffset), error.column ?? "", error.value ?? "",
                                             error.kind.rawValue, error.message, error.original])
                        } else {
                            print("line \(error.line): [\(error.kind.rawValue)] \(error.message)")
                        }
                    }
                    if csv { FileHandle.standardOutput.write(writer.take()) }
                    offset += errors.count
                    remaining -= errors.count
                }
                if offset == 0 && !csv { print("job \(id) rejected no rows") }
            }
        }
    }
}

extension JobStatus: ExpressibleByArgument {}

extension DatabaseOptions {
    /// The job store and job `id`, or the error every `jobs` command gives for an unknown id.
    func job(_ id: Int64) throws -> (any JobStore, Job) {
        let jobs = try openDriver().jobs
        guard let job = try jobs.jobGet(id: id) else { throw CLIError("no job \(id)") }
        return (jobs, job)
    }
}

extension JobsCommand {
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a queued or running job: its chunks stop within seconds, its stage is dropped, the target stays as it was.",
            discussion: "A foreground import without --chunks runs in one transaction; stop it with Ctrl+C or SIGTERM to its process.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job's id.") var id: Int64

        func run() throws {
            try reportingErrors {
                let driver = try database.openDriver()
                guard let job = try driver.jobs.jobGet(id: id) else { throw CLIError("no job \(id)") }
                guard try driver.jobCancel(id: id, now: Date()) else {
                    throw CLIError("job \(id) has already ended (\(job.status.rawValue)); nothing to cancel")
                }
                print("job \(id) cancelled")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a failed or cancelled background job again; only the chunks that did not succeed run again.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job's id.") var id: Int64

        func run() throws {
            try reportingErrors {
                let (jobs, job) = try database.job(id)
                guard try jobs.jobRetry(id: id) else {
                    throw CLIError(job.storageKey == nil
                        ? "job \(id) ran in the foreground and kept no copy of its input; import the file again"
                        : "job \(id) is \(job.status.rawValue); only failed or cancelled jobs can be retried")
                }
                let chunks = try database.openDriver().chunks.chunkList(jobID: id)
                let again = chunks.filter { $0.status == .queued }.count
                print(chunks.isEmpty
                      ? "job \(id) queued again; `sluice worker` runs it"
                      : "job \(id) running again: \(again) of \(chunks.count) chunks queued; `sluice worker` runs them")
            }
        }
    }

    struct Cleanup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete finished jobs (succeeded, failed, cancelled) older than a given age, with their errors, chunks, stages and stored files.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Age of the jobs to delete, by when they finished: 30d, 12h, 90m, 2w.", valueName: "age"))
        var olderThan: String
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            if Age.seconds(olderThan) == nil { throw ValidationError("--older-than needs an age such as 30d, 12h, 90m or 2w") }
        }

        func run() throws {
            try reportingErrors {
                var configuration = JobCleaner.Configuration()
                configuration.retention = Age.seconds(olderThan)
                let driver = try database.openDriver()
                let cleaner = try JobCleaner(driver: driver, stores: try storage.all(driver: driver), configuration: configuration)
                let round = try cleaner.runOnce()
                let cutoff = Date().addingTimeInterval(-(configuration.retention ?? 0))
                let files = round.storedFiles
                print("deleted \(round.jobs.count) job\(round.jobs.count == 1 ? "" : "s") that finished before \(JobText.date(cutoff))"
                      + (files > 0 ? " and \(files) stored file\(files == 1 ? "" : "s")" : ""))
            }
        }
    }
}

/// Ages as people write them: `30d`, `12h`, `90m`, `45s`, `2w`.
enum Age {
    static func seconds(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3600
        case "d": return number * 86_400
        case "w": return number * 604_800
        default: return nil
        }
    }
}

enum JobText {
    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func details(_ job: Job, chunks: [Chunk] = []) -> String {
        let done = chunks.filter { $0.status == .succeeded }.count
        var lines = [
            "job \(job.id): \(job.status.rawValue)",
            "progress:  \(job.progress)%" + (chunks.isEmpty ? "" : ", chunk \(done) of \(chunks.count) done")
                + (chunks.contains { $0.rescueCount > 0 } ? ", \(chunks.reduce(0) { $0 + $1.rescueCount }) rescued" : ""),
            "source:    \(job.source)",
            "profile:   \(job.profile ?? "none (sniffed)")",
            "table:     \(job.table ?? "")  (mode \(job.mode.rawValue))",
            "rows:      \(Format.count(job.rowsRead)) read, \(Format.count(job.rowsImported)) imported, \(Format.count(job.rowsRejected)) rejected",
            "bytes:     \(Format.count(Int(job.bytes)))",
            "created:   \(date(job.createdAt))",
        ]
        if let started = job.startedAt { lines.append("started:   \(date(started))") }
        if let finished = job.finishedAt {
            lines.append("finished:  \(date(finished))")
            if let started = job.startedAt { lines.append("took:      \(Format.seconds(finished.timeIntervalSince(started)))") }
        }
        if let summary = job.summary { lines.append("summary:   \(summary)") }
        if let error = job.error { lines.append("error:     \(error)") }
        if job.rowsRejected > 0 { lines.append("errors:    sluice jobs errors \(job.id)") }
        return lines.joined(separator: "\n")
    }
}

extension JobText {
    /// "chunk X of Y" and one line per chunk.
    static func chunkTable(_ chunks: [Chunk]) -> String {
        let rows = chunks.map { chunk in
            [String(chunk.index + 1), chunk.status.rawValue, input(of: chunk),
             chunk.range.map { String($0.firstLine) } ?? "", Format.count(chunk.counts.rowsRead), Format.count(chunk.counts.rowsImported),
             Format.count(chunk.counts.rowsRejected), String(chunk.attempts), String(chunk.rescueCount)]
        }
        return Table.render(header: ["chunk", "status", "input", "line", "read", "imported", "rejected", "attempts", "rescued"], rows: rows)
    }

    /// What a chunk reads: a byte range of the stored input, a bucket file
    /// (an aggregating job), or all of it.
    private static func input(of chunk: Chunk) -> String {
        if let range = chunk.range { return "bytes \(range.start)..<\(range.end)" }
        return chunk.bucketPath ?? "all"
    }
}

/// Aligned columns for terminal lists.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
