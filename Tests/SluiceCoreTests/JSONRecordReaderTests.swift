import Testing
@testable import SluiceCore
import SluiceTestSupport

/// Reads JSON with a source that hands out `pieceSize` bytes at a time, so
/// that every record is split across many reads.
private func readJSON(_ text: String, layout: JSONLayout = .lines, columns: [String],
                      pieceSize: Int = 7, batchRecords: Int = 2048) throws -> [JSONRecord] {
    try readJSON(Array(text.utf8), layout: layout, columns: columns, pieceSize: pieceSize, batchRecords: batchRecords)
}

private func readJSON(_ bytes: [UInt8], layout: JSONLayout, columns: [String],
                      pieceSize: Int = 7, batchRecords: Int = 2048) throws -> [JSONRecord] {
    let reader = JSONRecordReader(source: ChunkedByteSource(bytes, pieceSize: pieceSize), fileName: "test.json",
                                  layout: layout, columns: columns, batchRecords: batchRecords)
    var records: [JSONRecord] = []
    var expectedSequence = 0
    while let batch = try reader.nextBatch() {
        #expect(batch.sequence == expectedSequence)
        #expect(batch.count <= batchRecords)
        expectedSequence += 1
        for info in batch.records {
            let spans = batch.fields[Int(info.firstField)..<Int(info.firstField + info.fieldCount)]
            records.append(JSONRecord(
                line: info.line, byteOffset: info.byteOffset,
                fields: spans.map { JSONField($0, in: batch.arena) },
                raw: String(decoding: batch.arena[Int(info.rawStart)..<Int(info.rawEnd)], as: UTF8.self),
                problem: info.problem))
        }
    }
    return records
}

private struct JSONRecord {
    var line: Int
    var byteOffset: Int64
    var fields: [JSONField]
    var raw: String
    var problem: ReadProblem?
}

/// A field as the tests compare it: its kind and text.
private enum JSONField: Equatable, CustomStringConvertible {
    case null
    case text(String)
    case plain(String)

    init(_ span: FieldSpan, in arena: [UInt8]) {
        let text = String(decoding: arena[Int(span.start)..<Int(span.end)], as: UTF8.self)
        switch span.kind {
        case .null: self = .null
        case .text: self = .text(text)
        case .plain, .quoted: self = .plain(text)
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .text(let text): "text(\(text))"
        case .plain(let text): "plain(\(text))"
        }
    }
}


private func inputError(_ body: () throws -> Void) -> InputError? {
    do { try body() } catch let error as InputError { return error } catch { return nil }
    return nil
}

@Test("JSONL objects become records with fields in column order, numbers and booleans as plain text")
func jsonLinesBasics() throws {
    let text = "{\"id\": 1, \"name\": \"Ada\", \"ok\": true}\n{\"name\":\"Bob\",\"id\":-2.5e3,\"ok\":false}\n"
    let records = try readJSON(text, columns: ["id", "name", "ok"])
    #expect(records.map(\.fields) == [
        [.plain("1"), .text("Ada"), .plain("true")],
        [.plain("-2.5e3"), .text("Bob"), .plain("false")],
    ])
    #expect(records.map(\.line) == [1, 2])
    #expect(records.map(\.byteOffset) == [0, 37])
    #expect(records[1].raw == "{\"name\":\"Bob\",\"id\":-2.5e3,\"ok\":false}")
    #expect(records.allSatisfy { $0.problem == nil })
}

@Test("Nested objects and arrays are kept as minified JSON text")
func nestedValues() throws {
    let text = #"{"tags": [ "a", 1, null, {"x": [ ] } ], "meta": { "s": "a b\"c" , "n": -0.5 }}"#
    let records = try readJSON(text, columns: ["tags", "meta"])
    #expect(records.first?.fields == [.text(#"["a",1,null,{"x":[]}]"#), .text(#"{"s":"a b\"c","n":-0.5}"#)])
}

@Test("String escapes and \\u surrogate pairs are decoded to UTF-8")
func escapes() throws {
    let text = #"{"s": "q\"b\\s\/ \b\f\n\r\t \u00e9\u4E2D \ud83d\ude00 end", "k\u0041": "x"}"#
    let records = try readJSON(text, columns: ["s", "kA"])
    #expect(records.first?.fields == [.text("q\"b\\s/ \u{08}\u{0C}\n\r\t é中 😀 end"), .text("x")])
}

@Test("Invalid numbers, literals, escapes and punctuation make a line malformed", arguments: [
    #"{"a": 01}"#, #"{"a": 1.}"#, #"{"a": -}"#, #"{"a": 1e}"#, #"{"a": NaN}"#, #"{"a": nul}"#, #"{"a": truex}"#,
    #"{"a": "\x"}"#, #"{"a": "\u12"}"#, "{\"a\": \"raw\ttab\"}", #"{"a": [1,]}"#, #"{"a": {"b" 1}}"#,
    #"{"a": 1,}"#, #"{a: 1}"#, #"{"a": 1}}"#, #"{"a": [}"#, #"{"a" 1}"#, #"{"a": "open}"#, "{\"a\": \u{FF}}",
])
func invalidJSON(_ line: String) throws {
    let records = try readJSON(line + "\n{\"a\": 2}", columns: ["a"])
    #expect(records.count == 2)
    guard case .malformed(let message)? = records.first?.problem else {
        Issue.record("\(line) was not rejected")
        return
    }
    #expect(message.hasPrefix("invalid JSON at byte "))
    #expect(records.last?.fields == [.plain("2")])
}

@Test("A lone surrogate escape stays visible as invalid UTF-8 for the decoding stage to report")
func loneSurrogate() throws {
    let reader = JSONRecordReader(source: ChunkedByteSource(Array(#"{"s":"a\ud800b"}"#.utf8), pieceSize: 7),
                                  fileName: "t.jsonl", layout: .lines, columns: ["s"])
    let batch = try #require(try reader.nextBatch())
    let span = batch.fields[0]
    #expect(Array(batch.arena[Int(span.start)..<Int(span.end)]) == [0x61, 0xED, 0xA0, 0x80, 0x62])
}

@Test("null and a missing key are NULL; an empty string stays empty text")
func nullMissingAndEmpty() throws {
    let records = try readJSON(#"{"a": null, "b": ""}"#, columns: ["a", "b", "c"])
    #expect(records.first?.fields == [.null, .text(""), .null])
}

@Test("Keys that are not columns are reported, and the known fields still filled")
func extraKeys() throws {
    let records = try readJSON(#"{"a": 1, "zz": 2, "b": 3, "yy": {}, "zz": 4}"#, columns: ["a", "b"])
    #expect(records.first?.fields == [.plain("1"), .plain("3")])
    #expect(records.first?.problem == .extraKeys(["zz", "yy"]))
}

@Test("Keys may come in any order; a repeated key keeps its last value")
func keyOrderAndRepeats() throws {
    let text = "{\"c\": 3, \"a\": 1}\n{\"b\": 2, \"b\": 20}\n{\"a\": 1, \"c\": 3}"
    let records = try readJSON(text, columns: ["a", "b", "c"])
    #expect(records.map(\.fields) == [
        [.plain("1"), .null, .plain("3")],
        [.null, .plain("20"), .null],
        [.plain("1"), .null, .plain("3")],
    ])
    let reader = JSONRecordReader(source: ChunkedByteSource([], pieceSize: 7), fileName: "t", layout: .lines, columns: ["a", "b"])
    #expect(reader.header == ["a", "b"])
}

@Test("A malformed line is a rejected record; the lines around it are read, with their line numbers")
func malformedLine() throws {
    let text = "{\"a\":1}\n{\"a\": tru}\n[1, 2]\n\"x\"\n{\"a\":2} x\n{\"a\":3}\n{\"a\": 4"
    let records = try readJSON(text, columns: ["a"])
    #expect(records.map(\.line) == [1, 2, 3, 4, 5, 6, 7])
    #expect(records[0].fields == [.plain("1")])
    #expect(records[1].problem == .malformed("invalid JSON at byte 7 of the record: invalid literal (expected true)"))
    #expect(records[1].fields.isEmpty && records[1].raw == "{\"a\": tru}")
    #expect(records[2].problem == .malformed("expected an object, found an array"))
    #expect(records[3].problem == .malformed("expected an object, found a string"))
    #expect(records[4].problem == .malformed("invalid JSON at byte 9 of the record: unexpected 'x' after the end of the object"))
    #expect(records[5].fields == [.plain("3")] && records[5].problem == nil)
    // A JSONL line stands alone: one cut short at the end of the file is just another malformed line.
    #expect(records[6].problem == .malformed("invalid JSON at byte 8 of the record: expected ',' or '}' after a value, found the end of the record"))
}

@Test("Blank lines are skipped but counted; CRLF line ends are not part of the record")
func blankLinesAndCRLF() throws {
    let text = "\u{FEFF}\r\n{\"a\":\"x\"}\r\n  \r\n\n{\"a\":\"y\"}\r\n"
    let records = try readJSON(text, columns: ["a"])
    #expect(records.map(\.line) == [2, 5])
    #expect(records.map(\.raw) == ["{\"a\":\"x\"}", "{\"a\":\"y\"}"])
    #expect(records.map(\.byteOffset) == [5, 21])
    #expect(records.map(\.fields) == [[.text("x")], [.text("y")]])
}

@Test("Pretty-printed objects in an array are records that start on the right lines")
func arrayLayout() throws {
    let text = """
    [
      {
        "id": 1,
        "tags": [
          "a"
        ]
      },
      {"id": 2, "tags": null},
      5,

      {
        "id": 3, "note": "line\\nbreak"
      }
    ]

    """
    let records = try readJSON(text, layout: .array, columns: ["id", "tags"])
    #expect(records.map(\.line) == [2, 8, 9, 11])
    #expect(records[0].fields == [.plain("1"), .text(#"["a"]"#)])
    #expect(records[0].byteOffset == 4)
    #expect(records[1].fields == [.plain("2"), .null])
    #expect(records[2].problem == .malformed("expected an object, found a number"))
    #expect(records[3].fields == [.plain("3"), .null] && records[3].problem == .extraKeys(["note"]))
    #expect(try readJSON(" [ ] ", layout: .array, columns: ["a"]).isEmpty)
}

@Test("A broken array throws an InputError naming the file and line")
func brokenArray() {
    let missingComma = inputError { _ = try readJSON("[\n{\"a\":1}\n{\"a\":2}]", layout: .array, columns: ["a"]) }
    #expect(missingComma == InputError(file: "test.json", line: 3, problem: "expected ',' or ']' after an array element, found '{'"))
    let mismatched = inputError { _ = try readJSON("[{\"a\":\n[1}]", layout: .array, columns: ["a"]) }
    #expect(mismatched?.line == 2)
    let unclosedObject = inputError { _ = try readJSON("[{\"a\":1},\n {\"a\":\n2", layout: .array, columns: ["a"]) }
    #expect(unclosedObject?.line == 2)
    #expect(unclosedObject?.problem.hasPrefix("unterminated object") == true)
    let unclosedArray = inputError { _ = try readJSON("\n[{\"a\":1}, ", layout: .array, columns: ["a"]) }
    #expect(unclosedArray?.line == 2)
    #expect(unclosedArray?.problem.hasPrefix("unterminated array") == true)
    let trailingText = inputError { _ = try readJSON("[] []", layout: .array, columns: ["a"]) }
    #expect(trailingText?.problem == "unexpected text after the end of the JSON array, found '['")
}

@Test("Records before a broken array structure are delivered before the error")
func recordsBeforeError() throws {
    let reader = JSONRecordReader(source: ChunkedByteSource(Array("[{\"a\":1}, {\"a\":2} x".utf8), pieceSize: 7),
                                  fileName: "t.json", layout: .array, columns: ["a"])
    #expect(try reader.nextBatch()?.count == 2)
    #expect(inputError { _ = try reader.nextBatch() }?.line == 1)
}

@Test("Batches hold at most batchRecords records, are numbered in order, and report the bytes consumed")
func batching() throws {
    let text = (1...10).map { "{\"n\":\($0)}" }.joined(separator: "\n")
    let records = try readJSON(text, columns: ["n"], batchRecords: 3)
    #expect(records.map(\.fields) == (1...10).map { [.plain("\($0)")] })

    let reader = JSONRecordReader(source: ChunkedByteSource(Array(text.utf8), pieceSize: 7), fileName: "t",
                                  layout: .lines, columns: ["n"], batchRecords: 4)
    var counts: [Int] = []
    var consumed: [Int64] = []
    while let batch = try reader.nextBatch() {
        counts.append(batch.count)
        consumed.append(batch.bytesConsumed)
    }
    #expect(counts == [4, 4, 2])
    #expect(consumed == consumed.sorted() && consumed.last == Int64(text.utf8.count))
}

@Test("Sampling finds the layout and the keys in first-appearance order")
func sampling() throws {
    let lines = "\u{FEFF}{\"b\": 1, \"a\": \"x\"}\n{\"c\": null, \"a\": [1, 2]}\nnot json\n{\"d\": tr"
    let sampledLines = try JSONRecordReader.sample(source: ChunkedByteSource(Array(lines.utf8), pieceSize: 7),
                                                   fileName: "s.jsonl", sampleBytes: 1 << 20)
    #expect(sampledLines.layout == .lines)
    #expect(sampledLines.columns == ["b", "a", "c"])
    let expectedObjects: [[String: String?]] = [["b": "1", "a": "x"], ["c": String?.none, "a": "[1,2]"]]
    #expect(sampledLines.objects == expectedObjects)

    let array = "  [{\"x\": 1}, {\"y\": 2, \"x\": 3}, {\"z\": 4}]"
    let cut = try JSONRecordReader.sample(source: ChunkedByteSource(Array(array.utf8), pieceSize: 7),
                                          fileName: "s.json", sampleBytes: 30)
    #expect(cut.layout == .array)
    #expect(cut.columns == ["x", "y"])

    let empty = inputError { _ = try JSONRecordReader.sample(source: ChunkedByteSource(Array(" \n ".utf8), pieceSize: 7),
                                                             fileName: "e.json", sampleBytes: 100) }
    #expect(empty?.file == "e.json")
    let scalar = inputError { _ = try JSONRecordReader.sample(source: ChunkedByteSource(Array("\n42".utf8), pieceSize: 7),
                                                              fileName: "n.json", sampleBytes: 100) }
    #expect(scalar == InputError(file: "n.json", line: 2, problem: "expected a JSON object or array, found '4'"))
}

@Test("A 3 MB record spans many blocks and is read whole")
func largeRecord() throws {
    let big = String(repeating: "abcdefghij", count: 300_000)
    let text = "{\"a\":1}\n{\"big\": \"\(big)\", \"a\": 2}\n{\"a\":3}\n"
    let records = try readJSON(text, columns: ["a", "big"])
    #expect(records.count == 3)
    #expect(records[1].fields == [.plain("2"), .text(big)])
    #expect(records[1].line == 2 && records[2].line == 3)
    let array = try readJSON("[{\"big\": \"\(big)\"}]", layout: .array, columns: ["big"])
    #expect(array.first?.fields == [.text(big)])
}

@Test("Invalid UTF-8 inside strings is copied through untouched")
func invalidUTF8() throws {
    let bytes: [UInt8] = Array(#"{"s": "a"#.utf8) + [0xFF, 0xC3] + Array(#"b"}"#.utf8)
    let reader = JSONRecordReader(source: ChunkedByteSource(bytes, pieceSize: 3), fileName: "t.jsonl",
                                  layout: .lines, columns: ["s"])
    let batch = try #require(try reader.nextBatch())
    let span = batch.fields[0]
    #expect(Array(batch.arena[Int(span.start)..<Int(span.end)]) == [0x61, 0xFF, 0xC3, 0x62])
}

@Test("Random bytes never crash the reader")
func randomBytes() {
    var generator = SeededGenerator(seed: 20_251_124)
    let alphabet = Array(#"{}[]":,\ntrue false null 0123456789.eE+-\u00"#.utf8) + [0xFF, 0xC3, 0x0D]
    for _ in 0..<300 {
        let length = Int.random(in: 0..<200, using: &generator)
        let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
        for layout in [JSONLayout.lines, .array] {
            _ = try? readJSON(bytes, layout: layout, columns: ["a", "b"], pieceSize: Int.random(in: 1...9, using: &generator))
        }
        _ = try? JSONRecordReader.sample(source: ChunkedByteSource(bytes, pieceSize: 5), fileName: "r", sampleBytes: 100)
    }
}

