import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceSQLite

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run background imports (sluice import --background) until stopped.",
        discussion: """
            Every background job runs as chunks. A worker plans queued jobs (sniffs the stored \
            input, checks the plan, cuts it into chunks) and runs chunks of running jobs, any job's, \
            under a lease that it renews every --heartbeat seconds. The last chunk to finish \
            publishes the job into its table in one transaction. Start as many workers as you \
            like, in as many processes as you like, on one database.

            A worker that dies stops renewing its lease; once the lease runs out (--lease), \
            another worker takes the chunk over and counts a rescue (sluice jobs show). A chunk \
            that fails for a passing reason (a busy database, I/O) is tried again with \
            exponential backoff, up to --max-attempts; any other failure fails the job, and \
            `sluice jobs retry` re-runs only the chunks that did not succeed.

            SIGTERM or Ctrl+C: the worker stops claiming, hands its chunks back to the queue \
            and exits 0. With --once it exits when nothing is left to claim (cron-friendly).

            On PostgreSQL (--db postgres://…), workers on any number of hosts share the \
            database, and nothing else: a job's input is stored in it (unless the enqueue \
            gave --storage), and each chunk fetches only its byte range, checked against its \
            SHA-256. An idle worker is woken through LISTEN/NOTIFY as soon as work is queued, \
            so --poll only bounds the wait when a notification is lost.

            Beside the workers, each process also runs the rescuer (expired leases back to the \
            queue) and the cleaner (stages nobody needs; with --keep-finished, old jobs).
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var storage: StorageOptions

    @Flag(help: "Exit when nothing is left to claim, instead of waiting for more.")
    var once = false

    @Option(help: "Take on at most this many queued jobs (still finishing the chunks of running ones), then exit when idle.")
    var limit: Int?

    @Option(help: "Worker loops in this process, each with its own connection.")
    var concurrency = 1

    @Option(help: ArgumentHelp("Seconds between looks at an empty queue (on PostgreSQL, new work wakes the worker at once).", valueName: "seconds"))
    var poll: Double = 1

    @Option(help: "Parse/validate threads per chunk (default: cores / concurrency, at least 1).")
    var workers: Int?

    @Option(help: ArgumentHelp("Seconds a chunk's lease lasts without a heartbeat.", valueName: "seconds"))
    var lease: Double = 30

    @Option(help: ArgumentHelp("Seconds between heartbeats that renew a lease.", valueName: "seconds"))
    var heartbeat: Double = 5

    @Option(help: "Tries of a chunk that fails for a passing reason before its job fails.")
    var maxAttempts = 5

    @Option(help: ArgumentHelp("Delete finished jobs (with their errors and stored files) this old: 30d, 12h. Default: keep them.", valueName: "age"))
    var keepFinished: String?

    private var workerConfiguration: ImportWorker.Configuration {
        var configuration = ImportWorker.Configuration()
        configuration.once = once
        configuration.limit = limit
        configuration.pollInterval = poll
        configuration.threads = workers ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, concurrency))
        configuration.timing = LeaseTiming(lease: lease, heartbeat: heartbeat)
        configuration.maxAttempts = maxAttempts
        return configuration
    }

    private var cleanerConfiguration: JobCleaner.Configuration {
        var configuration = JobCleaner.Configuration()
        configuration.retention = keepFinished.flatMap(Age.seconds)
        return configuration
    }

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if let keepFinished, Age.seconds(keepFinished) == nil { throw ValidationError("--keep-finished needs an age such as 30d or 12h") }
        do {
            try workerConfiguration.validate()
            try cleanerConfiguration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        do {
            try await serviceGroup().run()
        } catch {
            printError("\(error)")
            throw ExitCode(ExitStatus.failed)
        }
    }

    /// The worker loops as one service (the group ends when they all have),
    /// the rescuer and the cleaner as two more. SIGTERM and SIGINT shut the
    /// group down gracefully.
    private func serviceGroup() throws -> ServiceGroup {
        let store = storage.local()
        var base = workerConfiguration
        let drivers = try (0..<concurrency).map { _ in try database.openDriver() }
        let workers = try drivers.enumerated().map { index, driver in
            base.owner = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(index + 1)"
            return UncheckedBox(try ImportWorker(driver: driver, storage: store, configuration: base))
        }
        let rescuer = UncheckedBox(try LeaseRescuer(driver: try database.openDriver()))
        let cleanerDriver = try database.openDriver()
        let cleaner = UncheckedBox(try JobCleaner(driver: cleanerDriver, stores: try storage.all(driver: cleanerDriver),
                                                  configuration: cleanerConfiguration))
        let loops = BlockingService(name: "workers") { flag in
            try Self.runAll(workers.map(\.value), flag)
        }
        var logger = Logger(label: "sluice.worker")
        logger.logLevel = .warning
        return ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: loops, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: BlockingService(name: "rescuer") { flag in
                    try rescuer.value.run(cancellation: flag) { found in
                        WorkerLog.line("rescuer: \(found.chunks) chunk\(found.chunks == 1 ? "" : "s") and \(found.jobs) job\(found.jobs == 1 ? "" : "s") back in the queue after their lease expired")
                    }
                }),
                .init(service: BlockingService(name: "cleaner") { flag in
                    try cleaner.value.run(cancellation: flag) { round in
                        WorkerLog.line("cleaner: deleted \(round.jobs.count) finished job(s), \(round.storedFiles) stored file(s), \(round.stages.count) stage(s)")
                    }
                }),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    }

    /// Runs each worker loop on a thread of its own and returns when all have.
    private static func runAll(_ workers: [ImportWorker], _ flag: CancellationFlag) throws {
        let failures = FailureList()
        let group = DispatchGroup()
        for worker in workers {
            let box = UncheckedBox(worker)
            group.enter()
            Thread {
                do { try box.value.run(cancellation: flag, report: WorkerLog.event) } catch { failures.add(error) }
                group.leave()
            }.start()
        }
        group.wait()
        if let first = failures.first { throw first }
    }
}

/// One line per step on standard output, written at once even into a pipe.
enum WorkerLog {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func event(_ event: WorkerEvent) {
        switch event {
        case let .planned(job, chunks): line("job \(job): planned \(chunks) chunk\(chunks == 1 ? "" : "s")")
        case let .chunkDone(job, chunk, counts):
            line("job \(job): chunk \(chunk + 1) done: \(counts.rowsRead) read, \(counts.rowsImported) imported, \(counts.rowsRejected) rejected")
        case let .published(job, summary): line("job \(job): \(summary)")
        case let .chunkReleased(job, chunk): line("job \(job): chunk \(chunk + 1) handed back to the queue")
        case let .jobReleased(job): line("job \(job): handed back to the queue before planning finished")
        case let .chunkStopped(job, chunk, reason): line("job \(job): chunk \(chunk + 1) stopped: \(reason)")
        case let .chunkRetrying(job, chunk, reason, attempt):
            line("job \(job): chunk \(chunk + 1) failed on attempt \(attempt), will be tried again: \(reason)")
        case let .jobFailed(job, reason): printError("job \(job): failed: \(reason)")
        }
    }
}

/// Hands a non-Sendable role object to the one thread that runs it.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Errors collected from several threads.
private final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.withLock { errors.append(error) } }
    var first: (any Error)? { lock.withLock { errors.first } }
}
