import Foundation

/// Where the bucket files of a `hash` plan are: a directory of this
/// process (a foreground import), or blobs beside a background job's
/// stored input (`job-42/buckets/bucket-0000.data`), which any worker reads.
enum BucketPlace {
    case directory(URL)
    case stored(any BlobStore, prefix: String)

    /// The place of a background job's buckets: the store of its input.
    static func of(job id: Int64, in store: any BlobStore) -> BucketPlace {
        .stored(store, prefix: "job-\(id)/buckets/")
    }
}

/// What every chunk of one job shares: the request, the plan, and how to
/// read a chunk's part of the input.
struct ChunkJob {
    let jobID: Int64
    /// Its `input` is the file the chunks read, or, for a background job,
    /// its name, with the bytes in `storedInput`.
    let request: ImportRequest
    let plan: ImportPlan
    let strategy: ChunkStrategy
    let dialect: CSVDialect?
    /// Where the bucket files of a `hash` plan are.
    let buckets: BucketPlace?

    init(jobID: Int64, request: ImportRequest, plan: ImportPlan, strategy: ChunkStrategy, dialect: CSVDialect?,
         buckets: BucketPlace? = nil) {
        self.jobID = jobID
        self.request = request
        self.plan = plan
        self.strategy = strategy
        self.dialect = dialect
        self.buckets = buckets
    }

    /// A background job's chunk context, rebuilt by a worker from the job
    /// row: the stored request and the planner's view of the target, so
    /// that every worker builds the very plan the planner built.
    static func load(_ job: Job, storedInput: StoredBlob, threads: Int) throws -> ChunkJob {
        guard let requestJSON = job.request, let basisJSON = job.planBasis else {
            throw InputError(file: job.source, problem: "job \(job.id) has no stored request or plan; it cannot run in a worker")
        }
        let request = try StoredImportRequest.from(json: requestJSON).request(storedInput: storedInput, workers: threads)
        let basis = try PlanBasis.from(json: basisJSON)
        let input = try PreparedInput.open(request)
        let plan = try ImportPlanning.plan(request, input: input, existing: basis.existing)
        return ChunkJob(jobID: job.id, request: request, plan: plan, strategy: basis.strategy, dialect: input.dialect,
                        buckets: .of(job: job.id, in: storedInput.store))
    }

    /// A reader over the chunk's records, with lines and offsets as in the whole input.
    func reader(for chunk: Chunk) throws -> any RecordReader {
        if chunk.bucketPath != nil, let buckets, let dialect {
            let names = BucketFile.names(index: chunk.index)
            switch buckets {
            case .directory(let directory):
                return try BucketRecordReader(dataPath: directory.appendingPathComponent(names.data).path,
                                              lineMapPath: directory.appendingPathComponent(names.lineMap).path, dialect: dialect)
            case let .stored(store, prefix):
                return try BucketRecordReader(data: try store.read(prefix + names.data, range: nil),
                                              lineMap: try store.read(prefix + names.lineMap, range: nil),
                                              name: prefix + names.data, dialect: dialect)
            }
        }
        if let range = chunk.range, let dialect {
            guard let stored = request.storedInput else {
                return try RangePlanner.reader(path: request.input, range: range, dialect: dialect)
            }
            // Only the range's bytes are fetched; a store that finds them damaged or short says so, and the chunk fails.
            return try RangePlanner.reader(source: try stored.store.read(stored.key, range: range.start..<range.end),
                                           name: request.input, range: range, dialect: dialect)
        }
        return try PreparedInput.open(request).reader
    }

    var decoder: FieldDecoder {
        request.decoder(for: dialect)
    }
}

/// Builds the plan of an import from its request, its opened input and
/// the target's columns as they are (or were, when a chunked job was planned).
enum ImportPlanning {
    static func plan(_ request: ImportRequest, input: PreparedInput, existing: [ExistingColumn]?) throws -> ImportPlan {
        try PlanBuilder(
            file: request.input, headerLine: input.headerLine, sourceColumns: input.columns, sniffedTypes: input.sniffedTypes,
            profile: request.profile, existing: existing, table: targetTable(request),
            mode: request.effectiveMode, key: request.key, alter: request.alter, positional: input.positional
        ).build()
    }

    static func targetTable(_ request: ImportRequest) -> String {
        request.table ?? request.profile?.table ?? Identifier.tableName(forFile: request.input)
    }
}
