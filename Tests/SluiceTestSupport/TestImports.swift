import Foundation
import SluiceCore

/// Inputs and background jobs that tests of several targets share.
public enum TestImports {
    /// `rows` plans, some with notes over several lines, some invalid
    /// (a start of `TBD`, a stop before the start).
    public static func plans(rows: Int) -> String {
        var text = "node_id,start,stop,invoice_amount,gpu_class,region,note\n"
        for id in 1...rows {
            let start = 1_700_000_000 + id * 60
            let stop = id % 97 == 0 ? start - 10 : start + 3600
            let note = id % 7 == 0 ? "\"line one\nline two, \"\"quoted\"\"\"" : (id % 3 == 0 ? "" : "n\(id)")
            text += "\(id % 5000),\(id % 211 == 0 ? "TBD" : String(start)),\(stop),\(id % 100).50,A100,eu,\(note)\n"
        }
        return text
    }

    /// Queues `text` as a background import named `name`, as `sluice import --background` does; returns the job's id.
    @discardableResult
    /// `inDatabase`: `store` is the database's own store, not the local directory.
    public static func enqueue(_ text: String, name: String, jobs: any JobStore, store: any BlobStore, inDatabase: Bool = false,
                               table: String, configure: (inout ImportRequest) -> Void = { _ in }) throws -> Int64 {
        var request = ImportRequest(input: name, table: table)
        configure(&request)
        let job = try jobs.jobCreate(JobCreateParams(source: name, profile: nil, table: table, mode: request.effectiveMode,
                                                     bytes: 0, now: Date(), request: try StoredImportRequest(request).json()))
        try store.put("job-\(job.id)/input", from: MemoryByteSource(text))
        try jobs.jobSetStorage(id: job.id, key: JobStorage.storageKey("job-\(job.id)/input", inDatabase: inDatabase))
        return job.id
    }
}
