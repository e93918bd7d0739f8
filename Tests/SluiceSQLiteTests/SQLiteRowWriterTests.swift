import GRDB
import Testing
import SluiceCore
@testable import SluiceSQLite

@Suite("The SQLite row writer")
struct SQLiteRowWriterTests {
    /// Two groups claiming the same first line: the stage's rowid is the line.
    static let collidingGroups = GroupedRows(columnCount: 1, rows: [
        AggregatedRow(values: [.text("a")], firstLine: 7),
        AggregatedRow(values: [.text("b")], firstLine: 9),
        AggregatedRow(values: [.text("c")], firstLine: 7),
    ])

    @Test("rows whose lines are their rowids are written with them; a line written twice is an error, not a silent skip")
    func lineTwiceIsAnError() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE stage (name TEXT)")
            let writer = try SQLiteRowWriter(table: "stage", columns: ["name"], upsertKey: [], line: .rowID("rowid"), in: db)
            let fine = GroupedRows(columnCount: 1, rows: [AggregatedRow(values: [.text("x")], firstLine: 3)])
            #expect(try writer.write(fine, in: db).isEmpty)
            #expect(try String.fetchAll(db, sql: "SELECT rowid || ':' || name FROM stage") == ["3:x"])
            let error = #expect(throws: DatabaseError.self) { try writer.write(Self.collidingGroups, in: db) }
            #expect(error?.message == "line 7 is already staged; two chunks overlap", "\(String(describing: error))")
        }
    }
}
