/// A blob and the store that holds it: what a background job's chunks read.
public struct StoredBlob: Sendable {
    public var store: any BlobStore
    public var key: String

    public init(store: any BlobStore, key: String) {
        self.store = store
        self.key = key
    }
}

/// The stores a process can reach, and which one holds a job's files.
///
/// A job's storage key says where its input went when it was queued:
/// `database:job-42/input` is in the database's own store (PostgreSQL),
/// which every worker reaches through the database URL alone; a plain
/// `job-42/input` is in the local directory (`--storage`), which only
/// workers sharing that disk can read. A job's other files (bucket files)
/// go into the store of its input.
public struct JobStorage: Sendable {
    /// The `--storage` directory.
    public var local: any BlobStore
    /// The database's store, when the database has one.
    public var database: (any BlobStore)?

    public init(local: any BlobStore, database: (any BlobStore)?) {
        self.local = local
        self.database = database
    }

    /// Marks a key stored in the database's store.
    public static let databasePrefix = "database:"

    /// The storage key to record for `key` put into the database's store (`inDatabase`) or the local one.
    public static func storageKey(_ key: String, inDatabase: Bool) -> String {
        inDatabase ? databasePrefix + key : key
    }

    /// The blob a job's storage key names.
    public func blob(_ storageKey: String) throws -> StoredBlob {
        guard storageKey.hasPrefix(Self.databasePrefix) else { return StoredBlob(store: local, key: storageKey) }
        let key = String(storageKey.dropFirst(Self.databasePrefix.count))
        guard let database else {
            throw BlobStoreError(key: key, problem: "the job's input is stored in a database store, and this database has none")
        }
        return StoredBlob(store: database, key: key)
    }

    /// Every store, for the cleaner.
    public var all: [any BlobStore] { [local] + (database.map { [$0] } ?? []) }
}
