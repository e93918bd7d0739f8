import Foundation
import Testing
import SluiceTestSupport

@Suite("sluice with --db postgres://")
struct PostgresCommandTests {
    @Test("import into PostgreSQL: the summary names the server without its password; jobs list and errors read the same database")
    func importAndJobs() throws {
        guard let database = try TestPostgres.freshDatabase() else { return }
        defer { database.drop() }
        let cli = try CLI()
        let url = "postgresql://\(database.url.user):\(database.url.password ?? "")@\(database.url.host):\(database.url.port)/\(database.url.database)"
        let root = CLI.repositoryRoot.path
        let result = try cli.run("import", root + "/examples/plans.csv", "--profile", root + "/profiles/plans.yaml", "--db", url)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout.contains("imported 999 of 1,000 rows into plans (\(database.url.redacted))"))
        #expect(!result.stdout.contains(":\(database.url.password ?? "")@"), "the password never shows")
        #expect(result.stderr.contains("line 613: duration must be between 1 minute and 30 days"))
        let list = try cli.run(env: ["SLUICE_DATABASE": url], ["jobs", "list"])
        #expect(list.status == 0 && list.stdout.contains("succeeded") && list.stdout.contains("999"), "\(list.stdout) \(list.stderr)")
        let errors = try cli.run("jobs", "errors", "1", "--db", url)
        #expect(errors.stdout.contains("line 613"), "\(errors.stdout) \(errors.stderr)")
    }

    @Test("a bad URL and an unreachable server: one clear line each, exit 1, never the password")
    func refusals() throws {
        let cli = try CLI()
        let file = try cli.write("a.csv", "a\n1\n")
        let bad = try cli.run("import", file, "--db", "postgres://secret@/nodb")
        #expect(bad.status == 1 && bad.stderr.contains("not a PostgreSQL URL: the URL names no host"), "\(bad.stderr)")
        let down = try cli.run("import", file, "--db", "postgres://u:pw@127.0.0.1:1/d")
        #expect(down.status == 1 && down.stderr.contains("postgres://u@127.0.0.1:1/d: cannot reach the server"), "\(down.stderr)")
        #expect(!down.stderr.contains("pw"))
    }
}
