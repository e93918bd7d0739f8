import Foundation
import Testing
import SluiceCore
import SluiceSQLite

/// Random bytes of every kind — quotes, delimiters, line ends, braces,
/// invalid UTF-8, NUL — through the whole import. Each must end as a clear
/// error or an outcome; a crash would take the test process down.
@Suite("Random input never crashes an import")
struct RandomInputTests {
    static let alphabet: [UInt8] = Array("a1,;\t|\"'\n\r{}[]: -.e".utf8) + [0x00, 0xC3, 0xA9, 0xFF, 0xE2, 0x82]

    @Test("300 random files, with and without a profile")
    func randomFiles() throws {
        let scratch = try Scratch()
        let driver = try scratch.driver()
        let profile = try plansProfile()
        // A fixed seed: the same 300 files on every run, so a failure reproduces.
        var generator = LinearCongruentialGenerator(state: 20_261_124)
        var outcomes = 0, errors = 0
        for index in 0..<300 {
            let length = Int.random(in: 0..<600, using: &generator)
            var bytes = (0..<length).map { _ in Self.alphabet.randomElement(using: &generator)! }
            if index % 3 == 0 { bytes = Array("node_id,start,stop\n".utf8) + bytes }
            let name = ["r\(index).csv", "r\(index).jsonl", "r\(index).json", "r\(index).tsv"][index % 4]
            let path = scratch.path(name)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let outcome = try driver.importFile(path) {
                    $0.table = "random"
                    $0.sampleBytes = [64, 1 << 20][index % 2]
                    if index % 5 == 0 { $0.profile = profile }
                    $0.alter = true
                }
                #expect(outcome.counts.rowsRead == outcome.counts.rowsImported + outcome.counts.rowsRejected || outcome.status != .succeeded)
                outcomes += 1
            } catch let error as CustomStringConvertible {
                #expect(!error.description.isEmpty)
                #expect(!error.description.contains("\n"), "one line: \(error.description)")
                errors += 1
            }
        }
        #expect(outcomes + errors == 300)
    }
}

/// Knuth's MMIX linear congruential generator: small, seedable, good enough to pick bytes.
struct LinearCongruentialGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}
