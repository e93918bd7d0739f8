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
                    [String(job.id), job.status.rawValue, job.table ?? "", Format.count(job.rowsRead), Format.count(job.rowsImported),
                     Format.count(job.rowsRejected), JobText.date(job.createdAt), job.source]
                }
                print(Table.render(header: ["id", "status", "table", "read", "imported", "rejected", "created", "source"], rows: rows))
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
                print(JobText.details(job))
                let chunks = try driver.chunks.chunkList(jobID: id)
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
        static let configuration = CommandConfiguration(abstract: "Cancel a queued job (a running import stops with Ctrl+C or SIGTERM to its process).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The job's id.") var id: Int64

        func run() throws {
            try reportingErrors {
                let (jobs, job) = try database.job(id)
                guard try jobs.jobCancelQueued(id: id, now: Date()) else {
                    throw CLIError(job.status == .running
                        ? "job \(id) is running; stop its import or worker process with Ctrl+C or SIGTERM, which cancels it"
                        : "job \(id) has already ended (\(job.status.rawValue)); nothing to cancel")
                }
                print("job \(id) cancelled")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a failed or cancelled background job again; a worker runs it.")
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
                print("job \(id) queued again; `sluice worker` runs it")
            }
        }
    }

    struct Cleanup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete finished jobs (succeeded, failed, cancelled) older than a given age, with their errors and stored files.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: ArgumentHelp("Age of the jobs to delete, by when they finished: 30d, 12h, 90m, 2w.", valueName: "age"))
        var olderThan: String
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            if Age.seconds(olderThan) == nil { throw ValidationError("--older-than needs an age such as 30d, 12h, 90m or 2w") }
        }

        func run() throws {
            try reportingErrors {
                let cutoff = Date().addingTimeInterval(-(Age.seconds(olderThan) ?? 0))
                let deleted = try database.openDriver().jobs.jobDeleteFinished(before: cutoff)
                var files = 0
                if FileManager.default.fileExists(atPath: storage.directory) {
                    let store = try storage.open()
                    for id in deleted {
                        for key in try store.list(prefix: "job-\(id)/") {
                            try store.delete(key)
                            files += 1
                        }
                    }
                }
                print("deleted \(deleted.count) job\(deleted.count == 1 ? "" : "s") that finished before \(JobText.date(cutoff))"
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

    static func details(_ job: Job) -> String {
        var lines = [
            "job \(job.id): \(job.status.rawValue)",
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
        let done = chunks.filter { $0.status == .succeeded }.count
        let rows = chunks.map { chunk in
            [String(chunk.index + 1), chunk.status.rawValue, chunk.range.map { "\($0.start)..<\($0.end)" } ?? "",
             chunk.range.map { String($0.firstLine) } ?? "", Format.count(chunk.counts.rowsRead), Format.count(chunk.counts.rowsImported),
             Format.count(chunk.counts.rowsRejected), String(chunk.attempts), String(chunk.rescueCount)]
        }
        return "chunks:    \(done) of \(chunks.count) done\n"
            + Table.render(header: ["chunk", "status", "bytes", "line", "read", "imported", "rejected", "attempts", "rescued"], rows: rows)
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
