import ArgumentParser
import Foundation
import SluiceCore
import SluiceSQLite

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV, TSV, JSONL or JSON file (optionally .gz) into a table, as one job.",
        discussion: """
            Without a profile, Sluice sniffs the delimiter, quote, header and column types from \
            the first --sample-size bytes and creates the table if it is missing. With a profile, \
            columns are typed and checked and rules applied; rows that fail are rejected with their \
            line and reason, and the good rows land, all in one transaction.

            \(ExitStatus.help)
            """)

    @Argument(help: "The file to import (.csv, .tsv, .jsonl, .json, optionally .gz).")
    var file: String

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var storage: StorageOptions

    @Flag(help: "Store the file and queue the import as a job for `sluice worker`; print the job's id and return.")
    var background = false

    @Option(help: ArgumentHelp("Cut the input into N chunks, run in parallel and published at once when the last succeeds (or $SLUICE_CHUNKS). Default: one pass in the foreground; one chunk per 32 MiB (at most 64) with --background.", valueName: "N"))
    var chunks: Int?

    @Option(help: ArgumentHelp("With --chunks in the foreground: how many chunks run at once (default 2).", valueName: "N"))
    var concurrency: Int?

    @Option(help: "Target table (default: the profile's table, else the file's name).")
    var table: String?

    @Option(help: ArgumentHelp("A YAML profile that types, checks and maps the columns.", valueName: "path"))
    var profile: String?

    @Option(help: "Input format: csv, tsv, jsonl or json (default: from the file's name, then its content).")
    var format: InputFormatArgument?

    @Option(help: "Field delimiter: , ; | or tab (also \\t). Default: sniffed.")
    var delimiter: String?

    @Option(help: "Quote character. Default: sniffed (\" or ').")
    var quote: String?

    @Flag(help: "The first line is data, not column names (columns are named column_1, column_2, …).")
    var noHeader = false

    @Option(help: "Input encoding: utf-8, latin1, windows-1252, utf-16 (utf-16le, utf-16be).")
    var encoding: String = "utf-8"

    @Option(help: "append (default), upsert (by --key), or replace (delete all rows first). Default: the profile's mode.")
    var mode: ImportMode?

    @Option(help: ArgumentHelp("Key columns for upsert, comma-separated.", valueName: "columns"))
    var key: String?

    @Flag(help: "Read, type and check everything, write nothing, report what would happen.")
    var dryRun = false

    @Option(help: ArgumentHelp("Write rejected rows to this CSV: their fields, then _line and _error.", valueName: "path"))
    var rejects: String?

    @Option(help: "Fail (import nothing) when more than N rows are rejected.")
    var maxErrors: Int?

    @Option(help: "Fail (import nothing) when more than this share of rows (0–1) is rejected.")
    var maxErrorRatio: Double?

    @Flag(help: "Add columns that the existing table lacks, instead of failing.")
    var alter = false

    @Option(help: "Parse/validate threads (default: the number of cores).")
    var workers: Int?

    @Option(help: ArgumentHelp("How much of the file the sniffer reads, in bytes (suffixes K, M).", valueName: "size"))
    var sampleSize: String = "1M"

    @Flag(help: "Treat a quoted empty field (\"\") as NULL, like an unquoted empty one (default: empty text).")
    var emptyQuotedAsNull = false

    @Option(help: ArgumentHelp("Seconds between progress lines when stderr is not a terminal (default 5; on a terminal the bar redraws 5 times a second).", valueName: "seconds"))
    var progressInterval: Double = 5

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Print only errors.")
    var quiet = false

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let chunks, chunks < 1 { throw ValidationError("--chunks must be at least 1") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if concurrency != nil && background {
            throw ValidationError("--concurrency is for a foreground import; a background job's chunks run on the workers you start (sluice worker --concurrency N)")
        }
        if progressInterval < 0 { throw ValidationError("--progress-interval must be 0 or more seconds") }
        if let maxErrors, maxErrors < 0 { throw ValidationError("--max-errors must be 0 or more") }
        if let ratio = maxErrorRatio, !(0...1).contains(ratio) { throw ValidationError("--max-error-ratio must be between 0 and 1") }
        if let delimiter, CSVDialect.parseDelimiter(delimiter) == nil {
            throw ValidationError("--delimiter must be one character, or tab / \\t")
        }
        if let quote, quote.utf8.count != 1 { throw ValidationError("--quote must be one character") }
        if InputEncoding(userText: encoding) == nil {
            throw ValidationError("unknown --encoding '\(encoding)'; use utf-8, latin1, windows-1252, utf-16, utf-16le or utf-16be")
        }
        if ByteSize.parse(sampleSize) == nil { throw ValidationError("--sample-size must be a size such as 65536, 512K or 1M") }
        if mode == .upsert && key == nil && profile == nil { throw ValidationError("--mode upsert needs --key (or a profile with key:)") }
        if background && (dryRun || rejects != nil) { throw ValidationError("--background does not go with --dry-run or --rejects") }
    }

    func run() throws {
        if background {
            return try reportingErrors { try enqueue() }
        }
        let outcome = try reportingErrors { () throws -> ImportOutcome in
            let request = try makeRequest()
            let driver = try dryRun && !database.isPostgres && !FileManager.default.fileExists(atPath: database.location)
                ? SQLiteDriver(path: ":memory:") : database.openDriver()
            let cancellation = CancellationFlag()
            let trap = SignalTrap { cancellation.cancel() }
            defer { trap.release() }
            let progress = ProgressRenderer(enabled: !quiet && !json, interval: progressInterval)
            let outcome = try ImportEngine(driver: driver).run(
                request, cancellation: cancellation, rejectsFile: rejects.map(RejectsFileWriter.init(path:)),
                progress: progress.update)
            progress.finish()
            return outcome
        }
        ImportReport(outcome: outcome, file: file).print(json: json, quiet: quiet)
        throw ExitCode(ImportReport.exitStatus(outcome))
    }

    /// Stores the input and queues the job; a worker imports it later.
    private func enqueue() throws {
        var request = try makeRequest()
        request.rangeHint = RangeHint.cut(for: request)
        let input = try FileByteSource(path: file)  // a missing file or a directory fails here, before any job exists
        let driver = try database.openDriver()
        let table = request.table ?? request.profile?.table ?? Identifier.tableName(forFile: file)
        let job = try driver.jobs.jobCreate(JobCreateParams(
            source: file, profile: request.profile?.source, table: table, mode: request.effectiveMode,
            bytes: InputOpener.fileSize(path: file) ?? 0, now: Date(), request: try StoredImportRequest(request).json()))
        let key = "job-\(job.id)/input"
        do {
            try storage.storeInput(key, from: input, size: InputOpener.fileSize(path: file), driver: driver) { storageKey in
                try driver.jobs.jobSetStorage(id: job.id, key: storageKey)
            }
        } catch {
            try driver.jobs.jobMarkRunning(id: job.id, now: Date())
            _ = try driver.jobs.jobFinish(JobFinishParams(id: job.id, status: .failed, counts: ImportCounts(),
                                                          summary: "failed: the input could not be stored", error: "\(error)", now: Date()))
            throw error
        }
        if json {
            let object: [String: Any] = ["job_id": job.id, "status": "queued", "table": table]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else if !quiet {
            print("queued job \(job.id): \(file) into \(table); `sluice worker` imports it (sluice jobs show \(job.id))")
        }
    }

    private func makeRequest() throws -> ImportRequest {
        let loaded = try profile.map { path throws -> Profile in try ProfileLoader.load(path: path) }
        var request = ImportRequest(
            input: file, table: table, profile: loaded, format: format?.value,
            delimiter: delimiter.flatMap(CSVDialect.parseDelimiter), quote: quote?.utf8.first,
            hasHeader: noHeader ? false : nil, encoding: InputEncoding(userText: encoding) ?? .utf8,
            mode: mode, key: key.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [],
            dryRun: dryRun, maxErrors: maxErrors, maxErrorRatio: maxErrorRatio, alter: alter,
            workers: workers ?? ProcessInfo.processInfo.activeProcessorCount,
            sampleBytes: ByteSize.parse(sampleSize) ?? 1 << 20, emptyQuotedIsNull: emptyQuotedAsNull)
        request.chunks = try chunks ?? ProcessInfo.processInfo.environment["SLUICE_CHUNKS"].map { text in
            guard let count = Int(text), count >= 1 else { throw CLIError("SLUICE_CHUNKS must be a whole number ≥ 1") }
            return count
        }
        if let concurrency { request.concurrency = concurrency }
        return request
    }
}

extension ImportMode: ExpressibleByArgument {}

struct InputFormatArgument: ExpressibleByArgument {
    var value: InputFormat
    init?(argument: String) {
        guard let format = InputFormat(rawValue: argument.lowercased()) else { return nil }
        value = format
    }
}

/// Sizes as people type them: `65536`, `512K`, `1M`, `1MB`.
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        var digits = text.uppercased().trimmingCharacters(in: .whitespaces)
        if digits.hasSuffix("B") { digits.removeLast() }
        var factor = 1
        if digits.hasSuffix("K") { factor = 1 << 10 } else if digits.hasSuffix("M") { factor = 1 << 20 } else if digits.hasSuffix("G") { factor = 1 << 30 }
        if factor > 1 { digits.removeLast() }
        guard let value = Int(digits), value > 0 else { return nil }
        return value * factor
    }
}
