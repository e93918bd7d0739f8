import Testing
import SluicePostgres

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("postgres:// and postgresql:// URLs give user, password, host, port and database; messages never show the password")
    func parses() throws {
        let url = try PostgresURL("postgresql://sluice:s%40cret@db.example:6543/imports")
        #expect(url == PostgresURL(user: "sluice", password: "s@cret", host: "db.example", port: 6543, database: "imports"))
        #expect(url.redacted == "postgres://sluice@db.example:6543/imports")
        #expect(try PostgresURL("postgres://u@127.0.0.1/d").port == 5432)
    }

    @Test("a URL without host, user or database is a clear error without the password")
    func refuses() {
        for (text, problem) in [("postgres://u:pw@/d", "no host"), ("postgres://h:5432/d", "no user"), ("postgres://u:pw@h:5432", "no database")] {
            #expect(throws: PostgresURLError.self) { try PostgresURL(text) }
            do { _ = try PostgresURL(text) } catch {
                #expect(error.description.contains(problem), "\(error)")
                #expect(!error.description.contains("pw"), "\(error)")
            }
        }
        #expect(!PostgresURL.isPostgres("sluice.db"))
    }
}
