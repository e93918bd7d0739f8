import ArgumentParser

/// The exit codes of every command; the README lists the same.
enum ExitStatus {
    /// Every row landed (or the command did what it was asked).
    static let success: Int32 = 0
    /// Nothing was imported: the input, the profile, the database or the
    /// error budget stopped the job.
    static let failed: Int32 = 1
    /// The good rows landed, and some rows were rejected.
    static let someRejected: Int32 = 3
    /// Interrupted by Ctrl+C or SIGTERM; nothing was imported.
    static let cancelled: Int32 = 130

    static let help = """
        Exit codes:
          0    every row was imported
          1    nothing was imported: bad input, profile or database,
               or the error budget was exceeded
          3    the good rows were imported, some rows were rejected
               (see them with: sluice jobs errors ID)
          64   the command line is wrong (unknown flag, bad value)
          130  cancelled by Ctrl+C or SIGTERM; nothing was imported
        """
}
