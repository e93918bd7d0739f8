import Dispatch

/// Where the async part of a COPY runs (postgres-nio has COPY only as an
/// async function): on a queue of its own, off Swift's cooperative pool.
///
/// Sluice's driver is synchronous and its callers may sit on that pool
/// themselves (Swift Testing runs tests there, an async command calls
/// `run` there). A caller blocked until the COPY ends, while the COPY
/// waited for a pool thread, deadlocked as soon as every pool thread (two,
/// on two cores) was such a caller.
final class CopyExecutor: TaskExecutor {
    static let shared = CopyExecutor()

    /// A queue of Dispatch's own, which adds threads when its threads block.
    private let queue = DispatchQueue(label: "sluice.postgres.copy", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
