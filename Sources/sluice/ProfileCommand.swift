import ArgumentParser
import Foundation
import SluiceCore

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Infer a profile from a file, or check one.",
        subcommands: [Infer.self, Check.self])

    struct Infer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the profile the sniffer would use for a file (save it, edit it, import with it).")

        @Argument(help: "The file to look at.")
        var file: String

        @Option(help: "Table name for the profile (default: the file's name).")
        var table: String?

        @Option(help: "Field delimiter: , ; | or tab. Default: sniffed.")
        var delimiter: String?

        @Flag(help: "The first line is data, not column names.")
        var noHeader = false

        @Option(help: "Input encoding: utf-8, latin1, windows-1252, utf-16.")
        var encoding: String = "utf-8"

        @Option(help: ArgumentHelp("How much of the file to sample, in bytes (suffixes K, M).", valueName: "size"))
        var sampleSize: String = "1M"

        func run() throws {
            try reportingErrors {
                guard let encoding = InputEncoding(userText: encoding) else { throw CLIError("unknown --encoding '\(self.encoding)'") }
                let request = ImportRequest(
                    input: file, table: table, delimiter: delimiter.flatMap(CSVDialect.parseDelimiter),
                    hasHeader: noHeader ? false : nil, encoding: encoding, sampleBytes: ByteSize.parse(sampleSize) ?? 1 << 20)
                let inferred = try ProfileInference.infer(request)
                print(ProfileWriter.yaml(inferred.profile, comment: inferred.comment), terminator: "")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a profile; print each mistake with its line and column.")

        @Argument(help: "The profile (YAML).")
        var file: String

        func run() throws {
            let profile = try reportingErrors { try ProfileLoader.load(path: file) }
            let rules = profile.rules.isEmpty ? "" : ", \(profile.rules.count) rule\(profile.rules.count == 1 ? "" : "s")"
            print("\(file): ok: table \(profile.table ?? "(from the file name)"), \(profile.columns.count) columns\(rules)")
        }
    }
}
