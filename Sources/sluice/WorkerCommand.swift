import ArgumentParser
import Foundation
import SluiceCore
import SluiceSQLite

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run queued background imports (sluice import --background) until stopped.",
        discussion: """
            The worker claims the oldest queued job, imports its stored input through the same \
            engine as a foreground import, and takes the next. With --once it exits when the \
            queue is empty (cron-friendly). Ctrl+C or SIGTERM cancels the job in hand (it rolls \
            back and is marked cancelled) and exits 0.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var storage: StorageOptions

    @Flag(help: "Exit when no job is queued, instead of waiting for more.")
    var once = false

    @Option(help: "Run at most this many jobs, then exit.")
    var limit: Int?

    @Option(help: ArgumentHelp("Seconds between looks at an empty queue.", valueName: "seconds"))
    var poll: Double = 1

    @Option(help: "Parse/validate threads per job (default: the number of cores).")
    var workers: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if poll <= 0 { throw ValidationError("--poll must be more than 0 seconds") }
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let driver = try database.openDriver()
            let store = try storage.open()
            let cancellation = CancellationFlag()
            let trap = SignalTrap { cancellation.cancel() }
            defer { trap.release() }
            var done = 0
            while !cancellation.isCancelled && done < (limit ?? Int.max) {
                guard let job = try driver.jobs.jobClaimQueued(now: Date()) else {
                    if once { break }
                    Thread.sleep(forTimeInterval: poll)
                    continue
                }
                runJob(job, driver: driver, store: store, cancellation: cancellation)
                done += 1
            }
        }
    }

    /// Imports one claimed job; its end (and any error) is recorded in the job.
    private func runJob(_ job: Job, driver: SQLiteDriver, store: LocalBlobStore, cancellation: CancellationFlag) {
        do {
            let stored = try StoredImportRequest.from(json: job.request ?? "")
            let input = try store.localPath(of: job.storageKey ?? "")
            let request = try stored.request(storedInput: input, workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
            let outcome = try ImportEngine(driver: driver).run(request, claimed: job, cancellation: cancellation)
            print("job \(job.id): " + ImportReport(outcome: outcome, file: stored.inputName).summaryLine())
            if let failure = outcome.failure { printError("job \(job.id): \(failure)") }
        } catch {
            printError("job \(job.id): \(error)")
            _ = try? driver.jobs.jobFinish(JobFinishParams(id: job.id, status: .failed, counts: ImportCounts(),
                                                           summary: "failed: \(error)", error: "\(error)", now: Date()))
        }
    }
}
