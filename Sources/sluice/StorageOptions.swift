import ArgumentParser
import Foundation
import SluiceCore

/// `--storage`: the local directory for the files of background jobs.
/// PostgreSQL keeps them in the database instead, unless `--storage` is
/// given: then every worker must see that directory.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Directory for the stored inputs of background jobs (default ./sluice-data, or $SLUICE_STORAGE). With --db postgres://… inputs are stored in the database, so workers on any host need only the URL; give --storage to keep them in a directory all workers share instead.",
        valueName: "path"))
    var storage: String?

    /// The directory the user named, by flag or environment.
    var chosenDirectory: String? {
        storage ?? ProcessInfo.processInfo.environment["SLUICE_STORAGE"]
    }

    /// Flags first, then the environment, then the default.
    var directory: String { chosenDirectory ?? "sluice-data" }

    /// The local store; its directory is made when a file is first stored.
    func local() -> LocalBlobStore { LocalBlobStore(directory: directory) }

    /// Where `import --background` stores an input: the directory the user
    /// chose, else the database's store, else the default directory. Returns
    /// the storage key to record for `key`.
    func storeInput(_ key: String, from source: any ByteSource, driver: any SluiceDriver) throws -> String {
        if chosenDirectory == nil, let database = try driver.blobStore() {
            try database.put(key, from: source)
            return JobStorage.storageKey(key, inDatabase: true)
        }
        try local().put(key, from: source)
        return JobStorage.storageKey(key, inDatabase: false)
    }

    /// Every store the cleaner must look in.
    func all(driver: any SluiceDriver) throws -> [any BlobStore] {
        JobStorage(local: local(), database: try driver.blobStore()).all
    }
}
