/// Text as the control tables keep it. A rejected record may hold a NUL
/// byte, which PostgreSQL's `text` refuses and SQLite's C strings cut off;
/// both drivers store it as U+2400 (␀), so that nothing after it is lost.
public enum StoredText {
    public static func clean(_ text: String) -> String {
        text.utf8.contains(0) ? text.replacingOccurrences(of: "\0", with: "\u{2400}") : text
    }
}
