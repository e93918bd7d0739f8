import Testing
@testable import SluiceCore

@Suite("Reading CSV records")
struct CSVRecordReaderTests {
    @Test("plain fields, and an empty unquoted field is NULL while a quoted one is empty text")
    func nullVersusEmpty() throws {
        #expect(try readRecords("a,,\"\"\n") == [["a", nil, ""]])
    }

    @Test("quoted fields keep delimiters, doubled quotes and line breaks")
    func quotedFields() throws {
        let text = "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\nlf\"\n"
        #expect(try readRecords(text) == [["a,b", "say \"hi\"", "two\nlines", "cr\r\nlf"]])
    }

    @Test("LF, CRLF and lone CR all end records, and the last record needs no line end")
    func lineEnds() throws {
        #expect(try readRecords("a,b\nc,d\r\ne,f\rg,h") == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
    }

    @Test("a UTF-8 byte order mark is skipped")
    func byteOrderMark() throws {
        #expect(try readRecords("\u{FEFF}id,name\n1,x\n") == [["id", "name"], ["1", "x"]])
    }

    @Test("blank lines are skipped but still counted in line numbers")
    func blankLines() throws {
        let records = try readRecords(Array("a\n\n\r\nb\n".utf8), dialect: CSVDialect(hasHeader: false))
        #expect(records.map(\.fields) == [["a"], ["b"]])
        #expect(records.map(\.line) == [1, 4])
    }

    @Test("line numbers are those of the physical line where a record starts")
    func physicalLineNumbers() throws {
        let text = "h1,h2\n1,\"x\ny\nz\"\n2,w\r\n3,\"a\r\nb\"\n4,q"
        let records = try readRecords(Array(text.utf8), dialect: CSVDialect(hasHeader: false))
        #expect(records.map(\.line) == [1, 2, 5, 6, 8])
        #expect(records[1].raw == "1,\"x\ny\nz\"")
        #expect(records.map(\.byteOffset) == [0, 6, 16, 21, 30])
    }

    @Test("quotes inside an unquoted field or after a closing quote are literal text, as in Python's csv")
    func strayQuotes() throws {
        #expect(try readRecords("ab\"c,\"x\"y,\"p\"\"\"q\n") == [["ab\"c", "xy", "p\"q"]])
    }

    @Test("an unterminated quote at the end of the file names the line where it opened")
    func unterminatedQuote() throws {
        #expect(throws: InputError(file: "test.csv", line: 2,
                                   problem: "unterminated quoted field: the quote opened on this line never closes before the end of the file")) {
            try readRecords("a,b\n1,\"never closed\n3,4\n")
        }
    }

    @Test("other delimiters and quote characters")
    func otherDialects() throws {
        #expect(try readRecords("a\tb c\t'x\ty'\n", dialect: CSVDialect(delimiter: 9, quote: UInt8(ascii: "'"), hasHeader: false))
            == [["a", "b c", "x\ty"]])
        #expect(try readRecords("a;b|c\n", dialect: CSVDialect(delimiter: UInt8(ascii: ";"), hasHeader: false)) == [["a", "b|c"]])
    }

    @Test("the header is read once and not returned as data")
    func header() throws {
        let reader = try CSVRecordReader(source: MemoryByteSource("id,\"full name\"\n1,Ann\n"), fileName: "t.csv", dialect: .csv)
        #expect(reader.header == ["id", "full name"])
        #expect(reader.headerLine == 1)
        let batch = try #require(try reader.nextBatch())
        #expect(batch.count == 1)
        #expect(batch.records[0].line == 2)
        #expect(try reader.nextBatch() == nil)
    }

    @Test("records split across tiny reads and tiny buffers read the same as in one piece")
    func blockBoundaries() throws {
        let text = "id,note\r\n1,\"multi\r\nline \"\"quoted\"\"\"\r\n2,plain\r\n3,\"\"\r\n4,\"x\ry\"\r\n\u{00E9}t\u{00E9},\u{1F600}\n"
        let whole = try readRecords(Array(text.utf8), dialect: CSVDialect(hasHeader: false))
        for piece in [1, 2, 3, 7] {
            for block in [16, 17, 64] {
                let pieces = try readRecords(Array(text.utf8), dialect: CSVDialect(hasHeader: false), blockSize: block,
                                             batchRecords: 2, chunked: piece)
                #expect(pieces == whole, "piece \(piece), block \(block)")
            }
        }
        #expect(whole.count == 6)
    }

    @Test("a record far larger than the buffer is read whole")
    func hugeRecord() throws {
        let big = String(repeating: "x", count: 200_000)
        #expect(try readRecords("a,\"\(big)\"\nb,c\n", blockSize: 1024) == [["a", big], ["b", "c"]])
    }
}
