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

    /// Stores an input for `import --background` where it belongs: in the
    /// directory the user chose, else the database's store, else the
    /// default directory. `stored` gets the storage key to record, as soon
    /// as workers may read the input: with the database's store, while the
    /// rest of a file of `size` bytes is still going in.
    func storeInput(_ key: String, from source: any ByteSource, size: Int64?, driver: any SluiceDriver,
                    stored: (String) throws -> Void) throws {
        let database = chosenDirectory == nil ? try driver.blobStore() : nil
        let store = database ?? local()
        let storageKey = JobStorage.storageKey(key, inDatabase: database != nil)
        if let size {
            try store.put(key, from: source, size: size) { try stored(storageKey) }
        } else {
            try store.put(key, from: source)
            try stored(storageKey)
        }
    }

    /// Every store the cleaner must look in.
    func all(driver: any SluiceDriver) throws -> [any BlobStore] {
        JobStorage(local: local(), database: try driver.blobStore()).all
    }
}
