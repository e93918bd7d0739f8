/// Feeds an aggregating import's mapped batches to its `Aggregator`, and
/// turns a row that cannot be aggregated (a sum that overflows) into a
/// rejection of that row, as a bad value would be: one bad row never
/// spoils its group.
///
/// Used wherever rows are read: the one-pass import and each chunk of a
/// chunked one. Not thread-safe; it runs on the writer's thread.
public final class BatchAggregator {
    private let aggregator: Aggregator
    private let columnCount: Int

    /// `plan` must aggregate (`plan.aggregation` set).
    public init(plan: ImportPlan) throws {
        guard let aggregation = plan.aggregation else { preconditionFailure("BatchAggregator needs an aggregating plan") }
        aggregator = try Aggregator(spec: aggregation.spec, plan: plan)
        columnCount = aggregation.columns.count
    }

    /// Adds the batch's good rows; returns the rows that could not be added.
    public func add(_ batch: MappedBatch) -> [Rejection] {
        var refused: [Rejection] = []
        for row in 0..<batch.rowCount {
            do throws(AggregationError) {
                try aggregator.add(row: batch.row(row), line: batch.line(ofRow: row))
            } catch {
                refused.append(batch.rejection(ofRow: row, error: RowError(kind: .aggregate, message: error.message)))
            }
        }
        return refused
    }

    public var groupCount: Int { aggregator.groupCount }

    /// Every group so far, in the order of their first rows.
    public func rows() -> GroupedRows { GroupedRows(columnCount: columnCount, rows: aggregator.rows()) }
}
