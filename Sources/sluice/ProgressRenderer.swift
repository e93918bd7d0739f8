import Foundation
import SluiceCore

/// Shows an import's progress on stderr: a live bar on a terminal, a plain
/// line every few seconds otherwise (logs, CI), nothing when disabled.
final class ProgressRenderer {
    private let enabled: Bool
    private let terminal: Bool
    private let interval: TimeInterval
    private var lastDraw = Date()  // the first line comes after one interval, not at once
    private var drewBar = false

    init(enabled: Bool, interval: TimeInterval) {
        self.enabled = enabled
        self.terminal = isatty(STDERR_FILENO) == 1
        self.interval = terminal ? 0.2 : interval
    }

    func update(_ progress: ImportProgress) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let text = describe(progress)
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            drewBar = true
        } else {
            FileHandle.standardError.write(Data(("progress: " + text + "\n").utf8))
        }
    }

    func finish() {
        if drewBar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func describe(_ progress: ImportProgress) -> String {
        let c = progress.counts
        let rate = progress.seconds > 0 ? Double(c.rowsRead) / progress.seconds : 0
        var text = "\(Format.count(c.rowsRead)) rows, \(Format.megabytes(c.bytesRead)), \(Format.count(Int(rate))) rows/s"
        if c.rowsRejected > 0 { text += ", \(Format.count(c.rowsRejected)) rejected" }
        guard let total = progress.bytesTotal, total > 0 else { return text }
        let fraction = min(1, Double(c.bytesRead) / Double(total))
        let eta = fraction > 0 ? progress.seconds * (1 - fraction) / fraction : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        return String(format: "%@ %3.0f%% ", bar, fraction * 100) + text + ", ETA " + Format.seconds(eta)
    }
}
