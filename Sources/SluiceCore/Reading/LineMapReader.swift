/// Reads a bucket's line map (see `BucketFile`) entry by entry, a block at
/// a time, checking that it is well formed: whole entries, lines from 1 and
/// offsets from 0, both rising, as records of one file do.
final class LineMapReader {
    struct Entry: Equatable {
        var line: Int
        var byteOffset: Int64
    }

    /// The bucket's data file, named in errors: a corrupt map makes the bucket unusable.
    private let bucketName: String
    private let source: any ByteSource
    private var block: [UInt8]
    private var filled = 0
    private var position = 0
    private var endOfFile = false
    private(set) var entriesRead = 0
    private var last: Entry?

    init(source: any ByteSource, bucketName: String, blockEntries: Int = 4096) {
        self.bucketName = bucketName
        self.source = source
        block = [UInt8](repeating: 0, count: max(1, blockEntries) * BucketFile.lineMapEntrySize)
    }

    /// The next entry, or nil at the end of the map.
    func next() throws -> Entry? {
        let size = BucketFile.lineMapEntrySize
        if filled - position < size {
            try refill()
            if filled - position == 0 { return nil }
            if filled - position < size {
                throw corrupt("its line map ends in the middle of entry \(entriesRead + 1) (\(filled - position) of \(size) bytes)")
            }
        }
        let entry = block.withUnsafeBytes { raw in
            Entry(line: Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: Int64.self))),
                  byteOffset: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: position + 8, as: Int64.self)))
        }
        position += size
        entriesRead += 1
        guard entry.line >= 1, entry.byteOffset >= 0,
              last.map({ entry.line > $0.line && entry.byteOffset > $0.byteOffset }) ?? true else {
            throw corrupt("entry \(entriesRead) of its line map (line \(entry.line), byte \(entry.byteOffset)) does not follow the one before")
        }
        last = entry
        return entry
    }

    func corrupt(_ problem: String) -> InputError {
        InputError(file: bucketName, problem: "corrupt bucket file: \(problem); plan the import again")
    }

    /// Moves the unread bytes to the front and reads until the block is full or the file ends.
    private func refill() throws {
        guard !endOfFile else { return }
        let remaining = filled - position
        if remaining > 0 { block.replaceSubrange(0..<remaining, with: block[position..<filled]) }
        filled = remaining
        position = 0
        while filled < block.count {
            let got = try block.withUnsafeMutableBytes { raw in
                try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if got == 0 { endOfFile = true; break }
            filled += got
        }
    }
}
