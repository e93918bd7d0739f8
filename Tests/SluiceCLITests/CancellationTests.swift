import Foundation
import Testing

@Suite("Interrupting an import")
struct CancellationTests {
    @Test("SIGINT or SIGTERM stops the import promptly, rolls back, and marks the job cancelled",
          arguments: [(SIGINT, 1), (SIGTERM, 1), (SIGINT, 4)])
    func interrupt(signal: Int32, chunks: Int) throws {
        let cli = try CLI()
        var text = "id,name,score\n"
        text.reserveCapacity(20_000_000)
        for index in 0..<600_000 { text += "\(index),name \(index),\(Double(index) / 7)\n" }
        let file = try cli.write("big.csv", text)
        let (process, _, err) = try cli.start(["import", file, "--chunks", String(chunks)])
        // Wait (with a deadline) until the import is writing: its job is running.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && (try? cli.sql("SELECT status FROM sluice_jobs")) != "running" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(process.isRunning, "the import finished before it could be interrupted")
        let sent = Date()
        kill(process.processIdentifier, signal)
        let exitDeadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < exitDeadline { Thread.sleep(forTimeInterval: 0.01) }
        let seconds = Date().timeIntervalSince(sent)
        print("import stopped \(String(format: "%.3f", seconds)) s after signal \(signal)")
        #expect(!process.isRunning)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("cancelled; nothing was imported"))
        #expect(try cli.sql("SELECT status, rows_imported FROM sluice_jobs") == "cancelled|0")
        #expect(try cli.sql("SELECT count(*) FROM sqlite_master WHERE name IN ('big', 'sluice_stage_1')") == "0")
    }
}
