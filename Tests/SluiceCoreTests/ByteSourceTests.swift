import Foundation
import Testing
@testable import SluiceCore

/// The byte sources under the readers: plain files, gzip, and transcoding,
/// all exercised through real temporary files where the path matters.
@Suite("Byte sources")
struct ByteSourceTests {
    // MARK: - Plain files

    @Test("a plain file read in small buffers gives back exactly its contents")
    func plainFileReadsExactly() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let contents = Array((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let path = try scratch.write(contents, named: "plain.csv")
        for bufferSize in [1, 7, 4096, 1 << 20] {
            let source = try InputOpener.open(path: path)
            #expect(try readAll(source, bufferSize: bufferSize) == contents)
            #expect(source.bytesConsumed == Int64(contents.count))
        }
        #expect(InputOpener.fileSize(path: path) == Int64(contents.count))
    }

    @Test("an empty file reads as no bytes at all")
    func emptyFileReadsNothing() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write([], named: "empty.csv")
        #expect(try readAll(try InputOpener.open(path: path), bufferSize: 16) == [])
    }

    @Test("a missing file says there is no such file")
    func missingFileError() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.url.appendingPathComponent("absent.csv").path
        #expect(throws: InputError(file: path, problem: "no such file")) {
            _ = try InputOpener.open(path: path)
        }
        #expect(InputOpener.fileSize(path: path) == nil)
    }

    @Test("a directory is refused when opened, not on the first read")
    func directoryError() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        #expect(throws: InputError(file: scratch.url.path, problem: "is a directory, not a file")) {
            _ = try InputOpener.open(path: scratch.url.path)
        }
        #expect(InputOpener.fileSize(path: scratch.url.path) == nil)
    }

    @Test("a file without read permission says permission denied")
    func unreadableFileError() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write(Array("secret".utf8), named: "locked.csv")
        #expect(chmod(path, 0) == 0)
        defer { chmod(path, 0o644) }
        // Root ignores file permissions, so under root (as in CI containers)
        // chmod 000 still opens; only an ordinary user can see the error.
        if geteuid() != 0 {
            #expect(throws: InputError(file: path, problem: "permission denied")) {
                _ = try InputOpener.open(path: path)
            }
        } else {
            #expect(try readAll(try InputOpener.open(path: path), bufferSize: 64) == Array("secret".utf8))
        }
    }

    // MARK: - Gzip

    @Test("a gzip file made by gzip decompresses exactly, whatever the buffer size",
          .enabled(if: ByteSourceTests.gzipTool != nil))
    func gzipDecompressesExactly() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let contents = sampleText(lines: 20_000)
        let path = try scratch.gzipped(contents, named: "big.csv")
        for bufferSize in [3, 4096, 1 << 20] {
            let source = try InputOpener.open(path: path)
            #expect(try readAll(source, bufferSize: bufferSize) == contents)
            #expect(source.bytesConsumed == InputOpener.fileSize(path: path))
        }
        let small = sampleText(lines: 50)
        let smallPath = try scratch.gzipped(small, named: "small.csv")
        #expect(try readAll(try InputOpener.open(path: smallPath), bufferSize: 1) == small)
    }

    @Test("two concatenated gzip members read as one stream", .enabled(if: ByteSourceTests.gzipTool != nil))
    func gzipConcatenatedMembers() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let first = Array("id,name\n1,first member\n".utf8)
        let second = sampleText(lines: 3_000)
        let joined = try scratch.gzippedBytes(first) + scratch.gzippedBytes(second)
        let path = try scratch.write(joined, named: "joined.csv.gz")
        for bufferSize in [1, 5, 65_536] {
            #expect(try readAll(try InputOpener.open(path: path), bufferSize: bufferSize) == first + second)
        }
    }

    @Test("gzip is recognised by its magic bytes, not by the file name", .enabled(if: ByteSourceTests.gzipTool != nil))
    func gzipDetectedByContent() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let contents = Array("a,b\n1,2\n".utf8)
        let disguised = try scratch.write(scratch.gzippedBytes(contents), named: "download.csv")
        #expect(try readAll(try InputOpener.open(path: disguised), bufferSize: 64) == contents)
        let plainNamedGz = try scratch.write(contents, named: "not-really.gz")
        #expect(try readAll(try InputOpener.open(path: plainNamedGz), bufferSize: 64) == contents)
        let justTheMagic = try scratch.write([0x1f], named: "one-byte.csv")
        #expect(try readAll(try InputOpener.open(path: justTheMagic), bufferSize: 64) == [0x1f])
    }

    @Test("a truncated gzip file is reported as corrupt, not read as shorter data",
          .enabled(if: ByteSourceTests.gzipTool != nil))
    func gzipTruncatedErrors() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let whole = try scratch.gzippedBytes(sampleText(lines: 2_000))
        for cut in [2, 10, whole.count / 2, whole.count - 4] {
            let path = try scratch.write(Array(whole.prefix(cut)), named: "cut-\(cut).csv.gz")
            let error = #expect(throws: InputError.self) {
                _ = try readAll(try InputOpener.open(path: path), bufferSize: 4096)
            }
            #expect(error?.file == path)
            #expect(error?.problem.hasPrefix("corrupt gzip data: ") == true)
        }
    }

    @Test("damaged gzip data and junk after the last member are errors; zero padding is not",
          .enabled(if: ByteSourceTests.gzipTool != nil))
    func gzipDamageErrors() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let contents = sampleText(lines: 2_000)
        let whole = try scratch.gzippedBytes(contents)

        var damaged = whole
        damaged[whole.count / 2] ^= 0xFF
        let damagedPath = try scratch.write(damaged, named: "damaged.gz")
        let damageError = #expect(throws: InputError.self) {
            _ = try readAll(try InputOpener.open(path: damagedPath), bufferSize: 4096)
        }
        #expect(damageError?.problem.hasPrefix("corrupt gzip data: ") == true)

        let junkPath = try scratch.write(whole + Array("trailing junk".utf8), named: "junk.gz")
        #expect(throws: InputError(file: junkPath, problem: "corrupt gzip data: unexpected bytes after the end of the compressed data")) {
            _ = try readAll(try InputOpener.open(path: junkPath), bufferSize: 4096)
        }

        let paddedPath = try scratch.write(whole + [UInt8](repeating: 0, count: 512), named: "padded.gz")
        #expect(try readAll(try InputOpener.open(path: paddedPath), bufferSize: 4096) == contents)
    }

    // MARK: - Single-byte encodings

    @Test("latin1 bytes become the same code points in UTF-8")
    func latin1Transcodes() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write([0x63, 0x61, 0x66, 0xE9, 0x2C, 0xFF, 0x80], named: "latin1.csv")
        let text = try readText(try InputOpener.open(path: path, encoding: .latin1), bufferSize: 1)
        #expect(text == "caf\u{E9},\u{FF}\u{80}")

        let everyByte = (0...255).map { UInt8($0) }
        let expected = String(String.UnicodeScalarView(everyByte.map { Unicode.Scalar($0) }))
        let source = TranscodingByteSource(source: TrickleByteSource(everyByte, chunk: 5), encoding: .latin1)
        #expect(try readText(source, bufferSize: 3) == expected)
    }

    @Test("windows-1252 maps 0x80–0x9F through its table and keeps C1 controls for undefined bytes")
    func windows1252Transcodes() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write([0x80, 0x20, 0x9C, 0x75, 0x76, 0x72, 0x65, 0x20, 0xE9, 0x93, 0x94, 0x99],
                                     named: "cp1252.csv")
        let text = try readText(try InputOpener.open(path: path, encoding: .windows1252), bufferSize: 1)
        #expect(text == "€ œuvre é“”™")
        #expect(text.map { Array($0.utf8.prefix(3)) } == [0xE2, 0x82, 0xAC])

        let undefined: [UInt8] = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
        let source = TranscodingByteSource(source: TrickleByteSource(undefined, chunk: 2), encoding: .windows1252)
        #expect(try readText(source, bufferSize: 8)?.unicodeScalars.map(\.value) == undefined.map(UInt32.init))
    }

    // MARK: - UTF-16

    @Test("UTF-16 with a byte order mark, LE or BE, decodes an emoji split across 1- and 3-byte reads")
    func utf16WithByteOrderMark() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let text = "name,icon\nSmile,😀\nÉté,☀️\n"
        let cases: [(String, [UInt8], InputEncoding)] = [
            ("le-bom", [0xFF, 0xFE] + utf16Bytes(text, bigEndian: false), .utf16),
            ("be-bom", [0xFE, 0xFF] + utf16Bytes(text, bigEndian: true), .utf16),
            ("le-no-bom", utf16Bytes(text, bigEndian: false), .utf16),
            ("explicit-le", [0xFF, 0xFE] + utf16Bytes(text, bigEndian: false), .utf16le),
            ("explicit-be", [0xFE, 0xFF] + utf16Bytes(text, bigEndian: true), .utf16be),
            ("explicit-be-no-bom", utf16Bytes(text, bigEndian: true), .utf16be),
        ]
        for (name, bytes, encoding) in cases {
            let path = try scratch.write(bytes, named: "\(name).csv")
            for bufferSize in [1, 3, 4096] {
                let source = try InputOpener.open(path: path, encoding: encoding)
                #expect(try readAll(source, bufferSize: bufferSize) == Array(text.utf8), "\(name), buffer \(bufferSize)")
                #expect(source.bytesConsumed == Int64(bytes.count))
            }
        }
    }

    @Test("a surrogate pair split at every possible point still decodes")
    func utf16SurrogatePairSplitAnywhere() throws {
        let bytes = utf16Bytes("a😀b", bigEndian: false)
        for chunk in 1...bytes.count {
            for bufferSize in [1, 2, 3, 4, 64] {
                let source = TranscodingByteSource(source: TrickleByteSource(bytes, chunk: chunk), encoding: .utf16le)
                #expect(try readText(source, bufferSize: bufferSize) == "a😀b")
            }
        }
    }

    @Test("unpaired surrogates and a dangling odd byte become U+FFFD")
    func utf16MalformedBecomesReplacement() throws {
        func decode(_ units: [UInt16], extra: [UInt8] = []) throws -> String? {
            let bytes = units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + extra
            return try readText(TranscodingByteSource(source: TrickleByteSource(bytes, chunk: 3), encoding: .utf16le),
                                bufferSize: 2)
        }
        #expect(try decode([0xD83D, 0x41]) == "\u{FFFD}A")
        #expect(try decode([0x41, 0xDE00, 0x42]) == "A\u{FFFD}B")
        #expect(try decode([0x41, 0xD83D]) == "A\u{FFFD}")
        #expect(try decode([0xD83D, 0xD83D, 0xDE00]) == "\u{FFFD}😀")
        #expect(try decode([0x41], extra: [0x42]) == "A\u{FFFD}")
        #expect(try decode([], extra: [0x42]) == "\u{FFFD}")
        #expect(try decode([0xFEFF, 0xFEFF, 0x41]) == "\u{FEFF}A", "only the first BOM is a BOM")
    }

    @Test("random UTF-16, split at random points, matches the standard library's decoding")
    func utf16MatchesStandardLibrary() throws {
        var random = SplitMix(seed: 0x5EED)
        for round in 0..<200 {
            let units = (0..<Int(random.next() % 300)).map { _ -> UInt16 in
                switch random.next() % 4 {
                case 0: UInt16(0xD800 + random.next() % 0x800)  // a surrogate, paired or not
                case 1: UInt16(random.next() % 0x80)
                default: UInt16(truncatingIfNeeded: random.next())
                }
            }
            let bigEndian = round % 2 == 1
            let bytes = units.flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            var expectedUnits = units
            if expectedUnits.first == 0xFEFF { expectedUnits.removeFirst() }
            let expected = Array(String(decoding: expectedUnits, as: UTF16.self).utf8)
            let chunk = 1 + Int(random.next() % 9)
            let bufferSize = 1 + Int(random.next() % 17)
            let source = TranscodingByteSource(source: TrickleByteSource(bytes, chunk: chunk),
                                               encoding: bigEndian ? .utf16be : .utf16le)
            #expect(try readAll(source, bufferSize: bufferSize) == expected, "round \(round)")
        }
    }

    @Test("gzip and an encoding stack: a gzipped latin1 file reads as UTF-8", .enabled(if: ByteSourceTests.gzipTool != nil))
    func gzippedLatin1() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let latin1 = Array(repeating: [0x63, 0x61, 0x66, 0xE9, 0x0A] as [UInt8], count: 1000).flatMap { $0 }
        let path = try scratch.write(scratch.gzippedBytes(latin1), named: "latin1.csv.gz")
        let text = try readText(try InputOpener.open(path: path, encoding: .latin1), bufferSize: 4096)
        #expect(text == String(repeating: "café\n", count: 1000))
    }

    @Test("UTF-8 passes through the transcoder untouched, invalid bytes and all")
    func utf8PassesThrough() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF, 0x61, 0xFF, 0xC3, 0xA9]
        let source = TranscodingByteSource(source: TrickleByteSource(bytes, chunk: 2), encoding: .utf8)
        #expect(try readAll(source, bufferSize: 3) == bytes)
    }

    // MARK: - Encoding names

    @Test("encoding names are understood in their common spellings, in any case")
    func encodingNamesParse() throws {
        let spellings: [(String, InputEncoding)] = [
            ("utf-8", .utf8), ("UTF8", .utf8), ("utf_8", .utf8), ("utf-8-sig", .utf8),
            ("latin1", .latin1), ("Latin-1", .latin1), ("ISO-8859-1", .latin1), ("iso_8859_1", .latin1), ("l1", .latin1),
            ("windows-1252", .windows1252), ("CP1252", .windows1252), ("win1252", .windows1252),
            ("utf-16", .utf16), ("UTF16", .utf16), ("utf-16le", .utf16le), ("UTF-16-LE", .utf16le),
            ("utf-16be", .utf16be), (" utf16be ", .utf16be),
        ]
        for (text, encoding) in spellings {
            #expect(try InputEncoding(parsing: text) == encoding, "\(text)")
            #expect(InputEncoding(userText: text) == encoding, "\(text)")
        }
        for encoding in InputEncoding.allCases {
            #expect(try InputEncoding(parsing: encoding.displayName) == encoding)
            #expect(try InputEncoding(parsing: encoding.rawValue) == encoding)
        }
    }

    @Test("an unknown encoding name is refused with the list of accepted names")
    func unknownEncodingName() {
        let error = #expect(throws: UnknownInputEncoding.self) { _ = try InputEncoding(parsing: "ebcdic") }
        let message = error?.description ?? ""
        #expect(message.hasPrefix("unknown encoding 'ebcdic'"))
        for name in ["utf-8", "latin1", "iso-8859-1", "windows-1252", "cp1252", "utf-16", "utf-16le", "utf-16be"] {
            #expect(message.contains(name), "\(name)")
        }
        #expect(throws: UnknownInputEncoding.self) { _ = try InputEncoding(parsing: "") }
        #expect(InputEncoding(userText: "utf-32") == nil)
    }
}

// MARK: - Helpers

extension ByteSourceTests {

    /// A fresh directory under the system temporary directory; each test removes
    /// its own with `defer`, not in a deinit, which could run before the last read.
    struct ScratchDirectory {
        let url: URL

        init() throws {
            url = FileManager.default.temporaryDirectory
                .appendingPathComponent("sluice-bytes-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        func remove() {
            try? FileManager.default.removeItem(at: url)
        }

        func write(_ bytes: [UInt8], named name: String) throws -> String {
            let file = url.appendingPathComponent(name)
            try Data(bytes).write(to: file)
            return file.path
        }

        /// Compresses with the real `gzip` tool, so the tests read what users have.
        func gzippedBytes(_ bytes: [UInt8]) throws -> [UInt8] {
            let path = try write(bytes, named: "to-gzip-\(UUID().uuidString)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ByteSourceTests.gzipTool!)
            process.arguments = ["-n", "-f", path]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let compressed = try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
            try FileManager.default.removeItem(atPath: path + ".gz")
            return Array(compressed)
        }

        func gzipped(_ bytes: [UInt8], named name: String) throws -> String {
            try write(gzippedBytes(bytes), named: name + ".gz")
        }
    }

    static let gzipTool: String? = ["/bin/gzip", "/usr/bin/gzip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Serves bytes from memory at most `chunk` at a time, to put block
    /// boundaries exactly where a test wants them.
    final class TrickleByteSource: ByteSource {
        private let bytes: [UInt8]
        private let chunk: Int
        private(set) var bytesConsumed: Int64 = 0

        init(_ bytes: [UInt8], chunk: Int) {
            self.bytes = bytes
            self.chunk = chunk
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let start = Int(bytesConsumed)
            let count = min(buffer.count, chunk, bytes.count - start)
            guard count > 0 else { return 0 }
            bytes.withUnsafeBytes { all in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[start..<(start + count)]))
            }
            bytesConsumed += Int64(count)
            return count
        }
    }

    /// Reads a source to its end through a buffer of `bufferSize` bytes.
    func readAll(_ source: any ByteSource, bufferSize: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return result }
            result += buffer[..<count]
        }
    }

    /// Reads a source to its end and insists that it is valid UTF-8.
    func readText(_ source: any ByteSource, bufferSize: Int) throws -> String? {
        String(validating: try readAll(source, bufferSize: bufferSize), as: UTF8.self)
    }

    func utf16Bytes(_ text: String, bigEndian: Bool) -> [UInt8] {
        text.utf16.flatMap { bigEndian ? [UInt8($0 >> 8), UInt8($0 & 0xFF)] : [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    /// CSV-like lines varied enough that gzip output spans several blocks.
    func sampleText(lines: Int) -> [UInt8] {
        Array((0..<lines).map { "\($0),row \($0 * 7919 % 10007),\($0 % 13 == 0 ? "café" : "plain")\n" }.joined().utf8)
    }

    /// A small seeded generator, so a failing random round can be replayed.
    struct SplitMix {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
            z = (z ^ (z >> 27)) &* 0x94D1_049B_133E_D8EB
            return z ^ (z >> 31)
        }
    }
}
