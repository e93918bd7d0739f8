import SluiceCore

/// A job's rejections as rows of `sluice.job_errors`, one per problem, for
/// the COPY encoder.
struct JobErrorRows: WritableRows {
    static let columns = ["job_id", "line", "byte_offset", "column_name", "value", "kind", "message", "original"]

    let columnCount = JobErrorRows.columns.count
    private(set) var values: [Value] = []
    private var lines: [Int] = []

    init(jobID: Int64, rejections: [Rejection]) {
        for rejection in rejections {
            for error in rejection.errors {
                values += [.integer(jobID), .integer(Int64(rejection.line)), .integer(rejection.byteOffset),
                           Self.text(error.column), Self.text(error.value), .text(error.kind.rawValue),
                           .text(StoredText.clean(error.message)), .text(StoredText.clean(rejection.original))]
                lines.append(rejection.line)
            }
        }
    }

    var rowCount: Int { lines.count }

    func line(ofRow row: Int) -> Int { lines[row] }

    /// Never asked: the control table refuses no row Sluice writes.
    func rejection(ofRow row: Int, error: RowError) -> Rejection {
        Rejection(line: lines[row], byteOffset: 0, original: "", fields: [], errors: [error])
    }

    private static func text(_ text: String?) -> Value {
        text.map { .text(StoredText.clean($0)) } ?? .null
    }
}
