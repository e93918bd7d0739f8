#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Window and column keys

extension JSONRecordReader {
    /// The reader's view of the input: one growable buffer, refilled from the
    /// source, out of which records are cut in place.
    final class Window {
        private(set) var bytes: UnsafeMutablePointer<UInt8>
        private(set) var capacity: Int
        /// The first byte not cut into a record yet.
        var start = 0
        private(set) var end = 0
        private(set) var atEndOfInput = false
        /// Offset in the input of `bytes[0]`.
        private var baseOffset: Int64 = 0

        init(capacity: Int) {
            bytes = .allocate(capacity: capacity)
            self.capacity = capacity
        }

        deinit { bytes.deallocate() }

        func offset(of index: Int) -> Int64 { baseOffset + Int64(index) }

        /// Moves the bytes not cut yet to the front.
        func compact() {
            guard start > 0 else { return }
            if end > start { bytes.update(from: bytes + start, count: end - start) }
            baseOffset += Int64(start)
            end -= start
            start = 0
        }

        /// Doubles the buffer, for a record larger than it.
        func grow() {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: bytes, count: end)
            bytes.deallocate()
            bytes = bigger
            capacity *= 2
        }

        func fill(from source: any ByteSource) throws {
            let count = try source.read(into: UnsafeMutableRawBufferPointer(start: bytes + end, count: capacity - end))
            if count > 0 { end += min(count, capacity - end) } else { atEndOfInput = true }
        }
    }

    /// Finds a key's column without making a `String` of it. Objects mostly
    /// list their keys in one order, so the column after the previous match
    /// is tried first, and only then a dictionary.
    struct ColumnKeys {
        private let names: [[UInt8]]
        private let columnByName: [[UInt8]: Int]
        /// For each column, the first column of the same name: one key fills them all.
        private let firstOfName: [Int]

        init(_ columns: [String]) {
            names = columns.map { Array($0.utf8) }
            var columnByName: [[UInt8]: Int] = [:]
            for (column, name) in names.enumerated() where columnByName[name] == nil { columnByName[name] = column }
            self.columnByName = columnByName
            firstOfName = names.map { columnByName[$0] ?? 0 }
        }

        func firstColumn(sharingNameWith column: Int) -> Int { firstOfName[column] }

        /// The first column named `key`; `predicted` is where the next key is looked for first.
        func column(of key: UnsafeBufferPointer<UInt8>, predicted: inout Int) -> Int? {
            if predicted < names.count && Self.equal(names[predicted], key) {
                predicted += 1
                return firstOfName[predicted - 1]
            }
            guard let column = columnByName[Array(key)] else { return nil }
            predicted = column + 1
            return column
        }

        private static func equal(_ name: [UInt8], _ key: UnsafeBufferPointer<UInt8>) -> Bool {
            name.count == key.count && name.withUnsafeBufferPointer { name in
                guard let nameStart = name.baseAddress, let keyStart = key.baseAddress else { return true }
                return memcmp(nameStart, keyStart, key.count) == 0
            }
        }
    }
}
