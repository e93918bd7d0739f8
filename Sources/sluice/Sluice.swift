import ArgumentParser
import SluiceCore

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Import CSV, TSV, JSONL and JSON files into SQL tables, fast, and account for every row.",
        discussion: """
            Every import is a job, recorded in the database beside your tables \
            (sluice_jobs, sluice_job_errors), with every rejected row's line and reason.

            Examples:
              sluice import examples/plans.csv        # → ./sluice.db, table plans
              sluice import plans.csv --profile profiles/plans.yaml
              sluice profile infer plans.csv > plans.yaml
              sluice jobs list                        # what ran, and how it went
              sluice jobs errors 3                    # the rows job 3 rejected

            \(ExitStatus.help)
            """,
        version: SluiceVersion.string,
        subcommands: [ImportCommand.self, WorkerCommand.self, ProfileCommand.self, JobsCommand.self]
    )

    static func main() async {
        MemoryArenas.limit()
        await main(nil)
    }
}
