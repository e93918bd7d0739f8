import Foundation
import SluiceCore

/// The end of an import, as the user reads it: one summary line (or one
/// JSON object), the first rejected rows, and where to find the rest.
struct ImportReport {
    let outcome: ImportOutcome
    let file: String

    static func exitStatus(_ outcome: ImportOutcome) -> Int32 {
        switch outcome.status {
        case .succeeded: return outcome.counts.rowsRejected > 0 ? ExitStatus.someRejected : ExitStatus.success
        case .cancelled: return ExitStatus.cancelled
        case .failed, .queued, .running: return ExitStatus.failed
        }
    }

    func print(json: Bool, quiet: Bool) {
        if json {
            Swift.print(jsonText())
        } else if !quiet {
            Swift.print(summaryLine())
        }
        if let failure = outcome.failure { printError(failure) }
        if !json && !quiet { printFirstRejections() }
    }

    func summaryLine() -> String {
        let c = outcome.counts
        let verb: String
        switch outcome.status {
        case .succeeded: verb = outcome.dryRun ? "dry run: would import" : "imported"
        case .cancelled: verb = "cancelled after reading"
        default: verb = "failed after reading"
        }
        var line = outcome.status == .succeeded
            ? "\(verb) \(Format.count(c.rowsImported)) of \(Format.count(c.rowsRead)) rows into \(outcome.table) (\(outcome.target))"
            : "\(verb) \(Format.count(c.rowsRead)) rows; nothing imported into \(outcome.table) (\(outcome.target))"
        line += " in \(Format.seconds(outcome.seconds)), \(Format.count(Int(outcome.rowsPerSecond))) rows/s"
        line += "; \(Format.count(c.rowsRejected)) rejected"
        if let id = outcome.jobID {
            line += c.rowsRejected > 0 ? " (sluice jobs errors \(id))" : "; job \(id)"
        }
        return line
    }

    private func printFirstRejections() {
        let shown = outcome.firstRejections.prefix(5)
        guard !shown.isEmpty else { return }
        for rejection in shown {
            FileHandle.standardError.write(Data("  \(file): line \(rejection.line): \(rejection.summary)\n".utf8))
        }
        if outcome.counts.rowsRejected > shown.count {
            FileHandle.standardError.write(Data("  … and \(Format.count(outcome.counts.rowsRejected - shown.count)) more\n".utf8))
        }
    }

    func jsonText() -> String {
        var object: [String: Any] = [
            "status": outcome.status.rawValue,
            "table": outcome.table,
            "target": outcome.target,
            "rows_read": outcome.counts.rowsRead,
            "rows_imported": outcome.counts.rowsImported,
            "rows_rejected": outcome.counts.rowsRejected,
            "bytes_read": outcome.counts.bytesRead,
            "seconds": (outcome.seconds * 1000).rounded() / 1000,
            "rows_per_second": Int(outcome.rowsPerSecond),
            "dry_run": outcome.dryRun,
        ]
        if let id = outcome.jobID { object["job_id"] = id }
        if let failure = outcome.failure { object["error"] = failure }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Numbers and durations as people read them.
enum Format {
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func seconds(_ value: Double) -> String {
        value < 60 ? String(format: "%.2f s", value) : String(format: "%dm%02ds", Int(value) / 60, Int(value) % 60)
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
