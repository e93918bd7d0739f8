import ArgumentParser
import Foundation
import SluiceCore

/// `--storage`: where background jobs keep their inputs.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Directory for stored inputs of background jobs (default ./sluice-data, or $SLUICE_STORAGE).", valueName: "path"))
    var storage: String?

    /// Flags first, then the environment, then the default.
    var directory: String {
        storage ?? ProcessInfo.processInfo.environment["SLUICE_STORAGE"] ?? "sluice-data"
    }

    func open() throws -> LocalBlobStore { try LocalBlobStore(directory: directory) }
}
