import ArgumentParser
import Foundation
import SluiceCore
import SluicePostgres
import SluiceSQLite

/// `--db`, shared by every command that touches a database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The database: a SQLite file path (default ./sluice.db), or postgres://user:password@host:port/dbname; or $SLUICE_DATABASE. $SLUICE_BUSY_TIMEOUT: seconds SQLite waits for another writer (default 5).",
        valueName: "path|url"))
    var db: String?

    /// Flags first, then the environment, then the default.
    var location: String {
        db ?? ProcessInfo.processInfo.environment["SLUICE_DATABASE"] ?? "sluice.db"
    }

    /// True when the database is PostgreSQL.
    var isPostgres: Bool { PostgresURL.isPostgres(location) }

    func openDriver() throws -> any SluiceDriver {
        let location = self.location
        if PostgresURL.isPostgres(location) {
            return try PostgresDriver(url: try PostgresURL(location))
        }
        var configuration = SQLiteDriver.Configuration()
        if let text = ProcessInfo.processInfo.environment["SLUICE_BUSY_TIMEOUT"] {
            guard let seconds = Double(text), seconds >= 0 else { throw CLIError("SLUICE_BUSY_TIMEOUT must be a number of seconds") }
            configuration.busyTimeout = seconds
        }
        return try SQLiteDriver(path: location, configuration: configuration)
    }
}

/// A one-line error for the user; the command exits with status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints `sluice: <message>` on stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("sluice: " + message + "\n").utf8))
}

/// Runs a command body, turning Sluice's typed errors into one line on
/// stderr and exit status 1: never a stack trace.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as CustomStringConvertible {
        printError(error.description)
        throw ExitCode(ExitStatus.failed)
    } catch {
        printError(error.localizedDescription)
        throw ExitCode(ExitStatus.failed)
    }
}
