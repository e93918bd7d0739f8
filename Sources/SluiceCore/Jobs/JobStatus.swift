/// Where a job is in its life. The set is closed: every status is handled
/// wherever jobs are shown or moved, and each move is a guarded update
/// (`… WHERE status = 'running'`) so two components never both move a job.
///
/// ```
/// queued ──▶ running ──▶ succeeded
///                   ├──▶ failed
///                   └──▶ cancelled
/// ```
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    /// Created and waiting to run. The import engine moves it to `running`
    /// when it starts the job (in the foreground today; a background worker
    /// claiming it, later).
    case queued
    /// Being read and written. The import engine moves it to `succeeded`
    /// when the target transaction commits, to `failed` when the input, the
    /// profile, the database or the error budget stops it, and to `cancelled`
    /// when the user interrupts it (Ctrl+C, SIGTERM).
    case running
    /// Done, the rows are in the target. Final: nothing moves it again.
    case succeeded
    /// Stopped by an error; the target is as it was before. Final.
    case failed
    /// Stopped on request; the target is as it was before. Final.
    case cancelled

    /// Whether the job can still change.
    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
