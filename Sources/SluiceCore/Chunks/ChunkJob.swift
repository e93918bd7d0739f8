import Foundation

/// What every chunk of one job shares: the request, the plan, and how to
/// read a chunk's part of the input.
struct ChunkJob {
    let jobID: Int64
    /// Its `input` is the file the chunks read (the stored copy, for a background job).
    let request: ImportRequest
    let plan: ImportPlan
    let strategy: ChunkStrategy
    let dialect: CSVDialect?
    /// Where the bucket files of a `hash` plan are.
    let buckets: URL?

    init(jobID: Int64, request: ImportRequest, plan: ImportPlan, strategy: ChunkStrategy, dialect: CSVDialect?, buckets: URL? = nil) {
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
    static func load(_ job: Job, storedInput: String, buckets: URL, threads: Int) throws -> ChunkJob {
        guard let requestJSON = job.request, let basisJSON = job.planBasis else {
            throw InputError(file: job.source, problem: "job \(job.id) has no stored request or plan; it cannot run in a worker")
        }
        let request = try StoredImportRequest.from(json: requestJSON).request(storedInput: storedInput, workers: threads)
        let basis = try PlanBasis.from(json: basisJSON)
        let input = try PreparedInput.open(request)
        let plan = try ImportPlanning.plan(request, input: input, existing: basis.existing)
        return ChunkJob(jobID: job.id, request: request, plan: plan, strategy: basis.strategy, dialect: input.dialect, buckets: buckets)
    }

    /// A reader over the chunk's records, with lines and offsets as in the whole input.
    func reader(for chunk: Chunk) throws -> any RecordReader {
        if chunk.bucketPath != nil, let buckets, let dialect {
            let names = BucketFile.names(index: chunk.index)
            return try BucketRecordReader(dataPath: buckets.appendingPathComponent(names.data).path,
                                          lineMapPath: buckets.appendingPathComponent(names.lineMap).path, dialect: dialect)
        }
        if let range = chunk.range, let dialect {
            return try RangePlanner.reader(path: request.input, range: range, dialect: dialect)
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
