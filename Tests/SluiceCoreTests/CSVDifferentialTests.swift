import Foundation
import Testing
@testable import SluiceCore

/// Random CSVs — quotes, doubled quotes, embedded newlines, CRLF, empty
/// fields, every delimiter — parsed by Sluice and by Python's `csv` module,
/// compared record by record.
@Suite("Sluice parses like Python's csv module")
struct CSVDifferentialTests {
    static let alphabet: [String] = ["a", "b", "Z", "7", " ", "é", "\u{1F600}", "\"", "\"\"", "\n", "\r\n", "\r", ",", ";", "\t", "|", "'"]

    static func randomField(_ rng: inout SeededGenerator, delimiter: Character) -> String {
        if Int.random(in: 0..<5, using: &rng) == 0 { return "" }
        let length = Int.random(in: 1...8, using: &rng)
        let text = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }.joined()
        let needsQuotes = text.contains { $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == delimiter }
        if needsQuotes || Int.random(in: 0..<4, using: &rng) == 0 {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    static func randomCSV(seed: UInt64, delimiter: Character) -> String {
        var rng = SeededGenerator(seed: seed)
        let columns = Int.random(in: 1...5, using: &rng)
        var text = ""
        for _ in 0..<Int.random(in: 1...40, using: &rng) {
            text += (0..<columns).map { _ in randomField(&rng, delimiter: delimiter) }.joined(separator: String(delimiter))
            text += ["\n", "\r\n", "\r"].randomElement(using: &rng)!
        }
        if Bool.random(using: &rng) { text.removeLast() }  // no line end after the last record
        return text
    }

    /// Python's records for each file (blank lines, which both skip, left out).
    static func pythonRecords(paths: [String], delimiter: Character) throws -> [[[String]]] {
        let script = """
            import csv, json, sys
            out = []
            for path in sys.argv[2:]:
                with open(path, newline='', encoding='utf-8') as f:
                    out.append([row for row in csv.reader(f, delimiter=sys.argv[1]) if row != []])
            json.dump(out, sys.stdout)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(delimiter)] + paths
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw InputError(file: "python3", problem: "exited with \(process.terminationStatus)") }
        return try JSONDecoder().decode([[[String]]].self, from: data)
    }

    @Test("300 random files, each delimiter", arguments: [Character(","), "\t", ";", "|"])
    func randomFiles(delimiter: Character) throws {
        let directory = try TemporaryDirectory()
        let texts = (UInt64(0)..<75).map { Self.randomCSV(seed: $0 &* 31 &+ UInt64(delimiter.asciiValue!), delimiter: delimiter) }
        let paths = try texts.enumerated().map { try directory.write("random-\($0.offset).csv", $0.element) }
        let python = try Self.pythonRecords(paths: paths, delimiter: delimiter)
        #expect(python.count == texts.count)
        for (seed, text) in texts.enumerated() where seed < python.count {
            let expected = python[seed]
            let dialect = CSVDialect(delimiter: delimiter.asciiValue!, hasHeader: false)
            let ours = try readRecords(Array(text.utf8), dialect: dialect, blockSize: 64, batchRecords: 3, chunked: 5)
                .map { $0.fields.map { $0 ?? "" } }
            #expect(ours == expected, "seed \(seed): \(text.debugDescription)")
        }
    }
}
