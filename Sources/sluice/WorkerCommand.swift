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

    private var workerConfiguration: ImportWorker.Configuration {
        var configuration = ImportWorker.Configuration()
        configuration.once = once
        configuration.limit = limit
        configuration.pollInterval = poll
        configuration.threads = workers ?? ProcessInfo.processInfo.activeProcessorCount
        return configuration
    }

    func validate() throws {
        do { try workerConfiguration.validate() } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        try reportingErrors {
            let worker = try ImportWorker(driver: try database.openDriver(), storage: try storage.open(),
                                          configuration: workerConfiguration)
            let cancellation = CancellationFlag()
            let trap = SignalTrap { cancellation.cancel() }
            defer { trap.release() }
            try worker.run(cancellation: cancellation) { result in
                switch result {
                case let .finished(id, outcome, inputName):
                    // Written at once, not buffered: one log line per job, as it happens, even into a pipe.
                    FileHandle.standardOutput.write(Data(("job \(id): " + ImportReport(outcome: outcome, file: inputName).summaryLine() + "\n").utf8))
                    if let failure = outcome.failure { printError("job \(id): \(failure)") }
                case let .failedToStart(id, reason):
                    printError("job \(id): \(reason)")
                }
            }
        }
    }
}
