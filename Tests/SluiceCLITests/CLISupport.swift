import Foundation
import Testing
import SluiceTestSupport

/// Runs the real `sluice` binary, built by `swift build` beside the tests
/// (or named by $SLUICE_BIN), in a scratch directory of its own.
final class CLI {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["SLUICE_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/sluice").path
    }()

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// Starts sluice with `arguments`, in `directory` (default: the scratch
    /// directory), through `prefix` when given (`ip netns exec ns`).
    func start(_ arguments: [String], env: [String: String] = [:], asNobody: Bool = false,
               in directory: URL? = nil, prefix: [String] = []) throws -> (Process, Pipe, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw CLIMissing(path: Self.binary)
        }
        let process = Process()
        if asNobody {
            // Root may write anywhere; to meet a read-only file, run as nobody,
            // with a copy of the binary that nobody can surely reach.
            // The copy is made by `install` in a child process. Written from
            // here, its write descriptor could be inherited for a moment by a
            // process another test is starting, and exec would then fail with
            // "Text file busy" (ETXTBSY), as CI once saw.
            let copy = path("sluice-bin")
            if !FileManager.default.fileExists(atPath: copy) {
                _ = try commandOutput(["install", "-m", "0755", Self.binary, copy])
            }
            for item in [self.directory.path, copy] {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: item)
            }
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", copy] + arguments
        } else if let through = prefix.first {
            process.executableURL = URL(fileURLWithPath: through)
            process.arguments = prefix.dropFirst() + [Self.binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory ?? self.directory
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "SLUICE_DATABASE")
        environment.merge(env) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func run(_ arguments: String...) throws -> Result { try run(arguments) }

    func run(env: [String: String] = [:], asNobody: Bool = false, in directory: URL? = nil, prefix: [String] = [],
             _ arguments: [String]) throws -> Result {
        let (process, out, err) = try start(arguments, env: env, asNobody: asNobody, in: directory, prefix: prefix)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs with `file` made read-only: by its mode for a normal user, by
    /// running as nobody (who does not own it) for root.
    func run(asNobody: Bool, readOnly file: String, _ arguments: [String]) throws -> Result {
        for item in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path(item))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file) }
        return try run(asNobody: asNobody, arguments)
    }

    /// Rows of a query on the scratch directory's sluice.db, by sqlite3.
    func sql(_ query: String, database: String = "sluice.db") throws -> String {
        try commandOutput(["sqlite3", path(database), query])
    }
}

struct CLIMissing: Error, CustomStringConvertible {
    var path: String
    var description: String { "the sluice binary is not at \(path): run `swift build` first (scripts/test.sh does)" }
}
