import Foundation

/// A chunk's widened column types as the chunk tables store them (JSON, per
/// plan column; NULL when nothing widened), and merged over a job's chunks.
public enum ChunkWidening {
    public static func json(_ widened: [ColumnType?]) throws -> String? {
        widened.contains { $0 != nil } ? String(decoding: try JSONEncoder().encode(widened), as: UTF8.self) : nil
    }

    /// The widest type per column over every chunk's findings.
    public static func merge(_ stored: [String?], columns: Int) throws -> [ColumnType?] {
        var merged = [ColumnType?](repeating: nil, count: columns)
        for text in stored.compactMap({ $0 }) {
            let widened = try JSONDecoder().decode([ColumnType?].self, from: Data(text.utf8))
            for (index, type) in widened.enumerated() where index < columns {
                if let type { merged[index] = merged[index].map { $0.widened(with: type) } ?? type }
            }
        }
        return merged
    }
}
