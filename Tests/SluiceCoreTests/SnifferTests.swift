import Testing
@testable import SluiceCore

@Suite("Sniffing dialect, header and types")
struct SnifferTests {
    func sniff(_ text: String, complete: Bool = true) throws -> Sniffer.Result {
        try Sniffer().sniff(sample: Array(text.utf8), complete: complete, fileName: "s.csv")
    }

    @Test("each candidate delimiter is found", arguments: [",", "\t", ";", "|"])
    func delimiters(delimiter: String) throws {
        let text = ["id", "name", "score"].joined(separator: delimiter) + "\n"
            + ["1", "\"a, b; c|d\"", "2.5"].joined(separator: delimiter) + "\n"
            + ["2", "x", "3"].joined(separator: delimiter) + "\n"
        let result = try sniff(text)
        #expect(result.dialect.delimiter == UInt8(ascii: Unicode.Scalar(delimiter)!))
        #expect(result.columns == ["id", "name", "score"])
        #expect(result.types == [.integer, .text, .real])
    }

    @Test("a first row of numbers under numbers is data, not a header")
    func noHeader() throws {
        let result = try sniff("1,2\n3,4\n")
        #expect(!result.dialect.hasHeader)
        #expect(result.columns == ["column_1", "column_2"])
        #expect(result.sampledRecords == 2)
    }

    @Test("single quotes are found when only they quote fields")
    func singleQuotes() throws {
        let result = try sniff("id,note\n1,'a,b'\n2,'c'\n")
        #expect(result.dialect.quote == UInt8(ascii: "'"))
        #expect(result.types == [.integer, .text])
    }

    @Test("a sample cut in the middle of a record ignores the cut record")
    func partialSample() throws {
        let result = try sniff("id,when\n1,2024-01-01\n2,2024-01-02\n3,20", complete: false)
        #expect(result.types == [.integer, .date])
        #expect(result.sampledRecords == 2)
    }

    @Test("an empty sample is an error")
    func empty() {
        #expect(throws: InputError.self) { try sniff("\n\n") }
    }
}
